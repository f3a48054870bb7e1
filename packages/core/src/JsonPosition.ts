/**
 * Where JSON text stops being valid. `JSON.parse` reports a position for some
 * errors and only a snippet for others ("Unexpected token '}', ... is not
 * valid JSON"), so an error line could not always name the line. This scanner
 * follows the JSON grammar and runs only after `JSON.parse` has failed.
 */

const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y
const HEX4 = /[0-9a-fA-F]{4}/y
const ESCAPES = '"\\/bfnrt'

class Invalid {
  readonly offset: number
  constructor(offset: number) {
    this.offset = offset
  }
}

/** Offset of the first character that makes `text` invalid JSON; -1 when it is valid (or nested too deep to scan). */
export const errorOffset = (text: string): number => {
  let i = 0
  const stop = (): never => {
    throw new Invalid(i)
  }
  const space = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++
  }
  const expect = (char: string) => {
    if (text[i] !== char) stop()
    i++
  }
  const matches = (pattern: RegExp): boolean => {
    pattern.lastIndex = i
    if (!pattern.test(text)) return false
    i = pattern.lastIndex
    return true
  }
  const string = () => {
    expect('"')
    while (i < text.length) {
      const char = text[i]!
      if (char === '"') {
        i++
        return
      }
      if (char < " ") stop()
      i++
      if (char !== "\\") continue
      const escaped = text[i]
      if (escaped === "u") {
        i++
        if (!matches(HEX4)) stop()
      } else if (escaped !== undefined && ESCAPES.includes(escaped)) i++
      else stop()
    }
    stop()
  }
  const value = (): void => {
    space()
    const char = text[i]
    if (char === "{") {
      members("}", () => {
        string()
        space()
        expect(":")
        value()
      })
    } else if (char === "[") {
      members("]", value)
    } else if (char === '"') {
      string()
    } else {
      const word = ["true", "false", "null"].find((w) => text.startsWith(w, i))
      if (word !== undefined) i += word.length
      else if (!matches(NUMBER)) stop()
    }
  }
  const members = (close: string, member: () => void) => {
    i++
    space()
    if (text[i] === close) {
      i++
      return
    }
    for (;;) {
      space()
      member()
      space()
      if (text[i] === close) {
        i++
        return
      }
      expect(",")
    }
  }
  try {
    value()
    space()
    if (i < text.length) stop()
    return -1
  } catch (error) {
    return error instanceof Invalid ? error.offset : -1
  }
}

/** The 1-based line of `offset` in `text`. */
export const lineOf = (text: string, offset: number): number => {
  let line = 1
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === "\n") line++
  return line
}
