/**
 * An oracle for exact money tests: integers scaled by 10^-scale, rendered as
 * plain decimal strings with BigInt arithmetic only, so expected values never
 * go through decimal.js (the code under test) or a JS float.
 */
export const scaledToString = (value: bigint, scale: number): string => {
  const negative = value < 0n
  const digits = (negative ? -value : value).toString().padStart(scale + 1, "0")
  const whole = digits.slice(0, digits.length - scale)
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, "")
  if (whole === "0" && fraction === "") return "0"
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`
}

/** Parses a plain decimal string into an integer scaled by 10^scale (exact, or throws). */
export const stringToScaled = (value: string, scale: number): bigint => {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value)
  if (!match) throw new Error(`not a plain decimal: ${value}`)
  const fraction = match[3] ?? ""
  if (fraction.length > scale) throw new Error(`${value} has more than ${scale} decimal places`)
  const magnitude = BigInt(match[2]! + fraction.padEnd(scale, "0"))
  return match[1] === "-" ? -magnitude : magnitude
}
