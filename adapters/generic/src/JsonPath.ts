/**
 * The small path syntax a generic config uses to point into a JSON response:
 * dot-separated keys with array indexes, e.g. `usage.units[0].count`,
 * `meta.request_id`, `[0].id`. Keys are any characters but `.`, `[` and `]`.
 */

export type Segment = string | number

const VALID = /^(?:[^.[\]]+|\[\d+\])(?:\[\d+\])*(?:\.[^.[\]]+(?:\[\d+\])*)*$/
const TOKEN = /[^.[\]]+|\[(\d+)\]/g

export const isPath = (source: string): boolean => VALID.test(source)

export const PATH_SYNTAX = 'dot-separated keys with [n] array indexes, e.g. "usage.units[0].count"'

/** The segments of a valid path (check with `isPath` first). */
export const segments = (source: string): ReadonlyArray<Segment> =>
  Array.from(source.matchAll(TOKEN), (match) =>
    match[1] === undefined ? match[0] : Number(match[1]),
  )

const render = (path: ReadonlyArray<Segment>): string =>
  path
    .map((segment, i) =>
      typeof segment === "number" ? `[${segment}]` : i === 0 ? segment : `.${segment}`,
    )
    .join("")

export type Resolved =
  | { readonly found: true; readonly value: unknown }
  /** `missing` says where the walk stopped, e.g. `usage.units has no [0]`. */
  | { readonly found: false; readonly missing: string }

/** Walks `path` into `root`. A null value counts as missing: the response has no number there. */
export const resolve = (root: unknown, path: ReadonlyArray<Segment>): Resolved => {
  let current = root
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!
    const here = i === 0 ? "the response" : render(path.slice(0, i))
    if (typeof segment === "number") {
      if (!Array.isArray(current)) return { found: false, missing: `${here} is not an array` }
      if (segment >= current.length) return { found: false, missing: `${here} has no [${segment}]` }
      current = current[segment]
    } else {
      if (typeof current !== "object" || current === null || Array.isArray(current)) {
        return { found: false, missing: `${here} is not an object` }
      }
      if (!Object.hasOwn(current, segment)) {
        return { found: false, missing: `${here} has no "${segment}"` }
      }
      current = (current as { readonly [key: string]: unknown })[segment]
    }
    if (current === null || current === undefined) {
      return { found: false, missing: `${render(path.slice(0, i + 1))} is null` }
    }
  }
  return { found: true, value: current }
}
