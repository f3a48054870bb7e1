/**
 * An Anthropic `usage` object as canonical disjoint buckets.
 *
 * - `input_tokens` already excludes the cache, so it maps as is (images are
 *   input tokens at the same price; Anthropic reports no modality split).
 * - `cache_read_input_tokens` → `cache_read_tokens`.
 * - Cache writes: the `cache_creation` split gives 5-minute writes
 *   (`cache_write_tokens`) and 1-hour writes (`cache_write_1h_tokens`). Without
 *   the split, `cache_creation_input_tokens` are 5-minute writes, the default
 *   TTL. `cache_creation_input_tokens` is the billed total: a split that sums
 *   above it is malformed, a remainder it leaves is written at the default TTL.
 * - Output: `output_tokens` is the inclusive, billed total and INCLUDES
 *   thinking. When `output_tokens_details.thinking_tokens` is present it goes to
 *   `reasoning_tokens` and `output_tokens` keeps the rest; without it, thinking
 *   stays inside `output_tokens` (Anthropic prices both alike, so the cost is
 *   the same either way).
 * - `server_tool_use.web_search_requests` → `web_search_requests`;
 *   `web_fetch_requests` → `x_web_fetch_requests` (no canonical unit; web
 *   fetches cost only the tokens they add, and the default book prices them "0").
 */
import { Usage } from "@agentcost/core"
import { count, type Fields, malformed, optionalRecord, requiredCount } from "./Fields.ts"

interface CacheWrites {
  readonly fiveMinutes: number
  readonly oneHour: number
}

const cacheWrites = (usage: Fields): CacheWrites => {
  const total =
    usage.cache_creation_input_tokens === undefined || usage.cache_creation_input_tokens === null
      ? null
      : count(usage.cache_creation_input_tokens, "usage.cache_creation_input_tokens")
  const split = optionalRecord(usage.cache_creation, "usage.cache_creation")
  if (split === null) return { fiveMinutes: total ?? 0, oneHour: 0 }
  const fiveMinutes = count(
    split.ephemeral_5m_input_tokens,
    "usage.cache_creation.ephemeral_5m_input_tokens",
  )
  const oneHour = count(
    split.ephemeral_1h_input_tokens,
    "usage.cache_creation.ephemeral_1h_input_tokens",
  )
  if (total === null) return { fiveMinutes, oneHour }
  if (fiveMinutes + oneHour > total) {
    throw malformed(
      "usage.cache_creation",
      `ephemeral_5m_input_tokens + ephemeral_1h_input_tokens (${fiveMinutes + oneHour}) exceed cache_creation_input_tokens (${total})`,
    )
  }
  return { fiveMinutes: total - oneHour, oneHour }
}

const thinkingTokens = (usage: Fields, output: number): number => {
  const details = optionalRecord(usage.output_tokens_details, "usage.output_tokens_details")
  const thinking = count(details?.thinking_tokens, "usage.output_tokens_details.thinking_tokens")
  if (thinking > output) {
    throw malformed(
      "usage.output_tokens_details.thinking_tokens",
      `${thinking} exceeds output_tokens (${output}), which includes thinking`,
    )
  }
  return thinking
}

export const fromMessageUsage = (usage: Fields): Usage.Usage => {
  const input = requiredCount(usage.input_tokens, "usage.input_tokens")
  const output = requiredCount(usage.output_tokens, "usage.output_tokens")
  const writes = cacheWrites(usage)
  const thinking = thinkingTokens(usage, output)
  const serverTools = optionalRecord(usage.server_tool_use, "usage.server_tool_use")
  return Usage.make({
    input_tokens: input,
    cache_read_tokens: count(usage.cache_read_input_tokens, "usage.cache_read_input_tokens"),
    cache_write_tokens: writes.fiveMinutes,
    cache_write_1h_tokens: writes.oneHour,
    output_tokens: output - thinking,
    reasoning_tokens: thinking,
    web_search_requests: count(
      serverTools?.web_search_requests,
      "usage.server_tool_use.web_search_requests",
    ),
    x_web_fetch_requests: count(
      serverTools?.web_fetch_requests,
      "usage.server_tool_use.web_fetch_requests",
    ),
  })
}
