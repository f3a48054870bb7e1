/**
 * Ledger times are ISO 8601 strings in UTC (`2026-11-03T10:00:00.000Z`), so
 * they sort and compare as text. Formatting runs several times per envelope
 * (opened, deadlines, finalized), so the minute's prefix is cached and only
 * the seconds are formatted: a `Date` per call costs more than the rest.
 */
const minutes = new Map<number, string>()
const MINUTES_KEPT = 256

const pad = (n: number, width: number): string => String(n).padStart(width, "0")

export const iso = (ms: number): string => {
  const within = ((ms % 60_000) + 60_000) % 60_000
  const minute = ms - within
  let prefix = minutes.get(minute)
  if (prefix === undefined) {
    const formatted = new Date(minute).toISOString()
    // Outside years 0000–9999 the ISO form changes shape: format it whole.
    if (formatted.length !== 24) return new Date(ms).toISOString()
    prefix = formatted.slice(0, 17)
    if (minutes.size >= MINUTES_KEPT) minutes.clear()
    minutes.set(minute, prefix)
  }
  return `${prefix}${pad(Math.floor(within / 1000), 2)}.${pad(within % 1000, 3)}Z`
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
