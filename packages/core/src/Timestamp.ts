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

/** Date.parse rolls 2026-02-30 over to March; a real calendar day reads back the same. */
export const isCalendarDay = (s: string): boolean => {
  const [year, month, day] = s.slice(0, 10).split("-").map(Number) as [number, number, number]
  const date = new Date(Date.UTC(year, month - 1, day))
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  )
}

/** An ISO 8601 date-time (`2026-11-03T10:00:00Z`, any offset) on a real calendar day. */
export const isIsoTimestamp = (s: string): boolean =>
  /^\d{4}-\d{2}-\d{2}T/.test(s) && isCalendarDay(s) && !Number.isNaN(Date.parse(s))
