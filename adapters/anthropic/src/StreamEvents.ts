/**
 * A streamed Messages call as the Message it describes. `message_start`
 * carries the model, id, service tier, inference geo and the initial usage
 * (input and cache counts, with the 5m/1h cache-write split); each
 * `message_delta` carries CUMULATIVE usage, so the last one's non-null counts
 * replace the start's. Content blocks arrive in `content_block_start` events
 * (tool_use, thinking, server tool blocks). A lone `message_delta` has no
 * model or id, so callers pass the events, not just the final one.
 */
import { array, type Fields, malformed, providerError, record } from "./Fields.ts"

export const mergeStreamUsage = (events: ReadonlyArray<unknown>): Fields => {
  let message: Fields | null = null
  let usage: Record<string, unknown> = {}
  let sawDelta = false
  const content: Array<unknown> = []
  events.forEach((value, index) => {
    const at = `[${index}]`
    const event = record(value, at)
    switch (event.type) {
      case "error":
        throw providerError(event, at)
      case "message_start": {
        message = record(event.message, `${at}.message`)
        usage = { ...record(message.usage, `${at}.message.usage`) }
        content.push(...array(message.content, `${at}.message.content`))
        break
      }
      case "content_block_start":
        content.push(record(event.content_block, `${at}.content_block`))
        break
      case "message_delta": {
        if (message === null)
          throw malformed(
            at,
            "message_delta before message_start: pass the stream's events from message_start on",
          )
        const delta = record(event.usage, `${at}.usage`)
        for (const key in delta) {
          if (delta[key] !== null && delta[key] !== undefined) usage[key] = delta[key]
        }
        sawDelta = true
        break
      }
      // ping, content_block_delta, content_block_stop, message_stop carry no usage.
    }
  })
  if (message === null) {
    throw malformed("", "no message_start event: pass the stream's events from message_start on")
  }
  if (!sawDelta) {
    throw malformed(
      "",
      "no message_delta event: the stream ended before its final usage, so output tokens are unknown",
    )
  }
  return { ...(message as Fields), content, usage }
}
