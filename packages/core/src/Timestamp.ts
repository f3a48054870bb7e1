/**
 * Ledger times are ISO 8601 strings in UTC (`2026-11-03T10:00:00.000Z`), so
 * they sort and compare as text. Formatting is memoized on the last instant:
 * calls booked in the same millisecond share one string.
 */
let lastMs = Number.NaN
let lastIso = ""

export const iso = (ms: number): string => {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString()
    lastMs = ms
  }
  return lastIso
}
