/**
 * The price book the tests price against (USD per million tokens). Round
 * numbers, so every expected cost can be worked out by hand.
 */
import type { PriceBook } from "@agentcost/core"

export const prices: PriceBook.PriceBookFile = {
  version: 1,
  entries: [
    {
      provider: "openai",
      model: "gpt-6-sol",
      validFrom: "2026-01-01",
      strategy: "TOKEN_BASED",
      currency: "USD",
      rates: { input_tokens: "2", cache_read_tokens: "0.5", output_tokens: "8" },
    },
    {
      provider: "anthropic",
      model: "claude-sonnet-4-5",
      validFrom: "2026-01-01",
      strategy: "TOKEN_BASED",
      currency: "USD",
      rates: {
        input_tokens: "3",
        cache_read_tokens: "0.3",
        cache_write_tokens: "3.75",
        cache_write_1h_tokens: "6",
        output_tokens: "15",
      },
    },
    {
      provider: "google",
      model: "gemini-2.5-flash",
      validFrom: "2026-01-01",
      strategy: "TOKEN_BASED",
      currency: "USD",
      rates: { input_tokens: "0.3", cache_read_tokens: "0.03", output_tokens: "2.5" },
    },
    {
      provider: "openrouter",
      model: "anthropic/claude-sonnet-4.5",
      validFrom: "2026-01-01",
      strategy: "TOKEN_BASED",
      currency: "USD",
      rates: {
        input_tokens: "3",
        cache_read_tokens: "0.3",
        cache_write_tokens: "3.75",
        output_tokens: "15",
      },
    },
  ],
}
