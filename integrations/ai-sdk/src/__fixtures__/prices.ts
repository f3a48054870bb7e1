/**
 * The price book the tests price against (USD per million tokens, fees per
 * unit). Round numbers so each expected cost can be worked out by hand.
 */
import type { PriceBook } from "@agentcost/core"

export const prices: PriceBook.PriceBookFile = {
  version: 1,
  entries: [
    {
      provider: "openai",
      model: "gpt-5.1",
      validFrom: "2026-01-01",
      strategy: "TOKEN_BASED",
      currency: "USD",
      rates: {
        input_tokens: "1.25",
        cache_read_tokens: "0.125",
        output_tokens: "10",
        input_audio_tokens: "32",
        output_audio_tokens: "64",
      },
      fees: { web_search_requests: "0.01" },
    },
    {
      provider: "anthropic",
      model: "claude-sonnet-4-5",
      validFrom: "2026-01-01",
      strategy: "TOKEN_BASED",
      currency: "USD",
      rates: {
        input_tokens: "3",
        cache_write_tokens: "3.75",
        cache_write_1h_tokens: "6",
        cache_read_tokens: "0.3",
        output_tokens: "15",
      },
      fees: { web_search_requests: "0.01", x_web_fetch_requests: "0" },
    },
    {
      provider: "google",
      model: "gemini-2.5-flash",
      validFrom: "2026-01-01",
      strategy: "TOKEN_BASED",
      currency: "USD",
      rates: {
        input_tokens: "0.3",
        cache_read_tokens: "0.03",
        output_tokens: "2.5",
        input_audio_tokens: "1",
        x_cache_read_audio_tokens: "0.1",
      },
      fees: { web_search_requests: "0.035" },
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
