import { describe, expect, it } from "vitest"
import { adapter, malformedOf, signalOf } from "./__fixtures__/price.ts"
import response from "./__fixtures__/responses.json" with { type: "json" }
import completedEvent from "./__fixtures__/responses-completed-event.json" with { type: "json" }
import webSearch from "./__fixtures__/responses-web-search.json" with { type: "json" }

describe("Responses API", () => {
  it("normalizes a non-streaming response: cached inside input_tokens, reasoning inside output_tokens", () => {
    const call = adapter.normalize(response)
    expect(call).toEqual({
      model: "gpt-5.1-2025-11-13",
      endpoint: "responses",
      // input 3000 = 2048 cached + 952; output 900 = 600 reasoning + 300.
      usage: {
        input_tokens: 952,
        cache_read_tokens: 2048,
        output_tokens: 300,
        reasoning_tokens: 600,
      },
      serviceTier: "default",
      region: null,
      attributes: {},
      capabilities: ["reasoning"],
      providerRequestId: "resp_0c3f9a1b7e2d4c58006925f3a1e4b08190a6d2c7f5e81b3a94",
      providerAccount: "proj_acme",
      providerReportedCost: null,
      observedAt: "2025-12-01T08:00:00.000Z",
    })
    // gpt-5.1: $1.25 in, $0.125 cached, $10 out (reasoning falls back to output).
    // 952 x 1.25 = 1190 -> 0.00119; 2048 x 0.125 = 256 -> 0.000256; 300 x 10 -> 0.003;
    // 600 x 10 -> 0.006; total 0.010446.
    const signal = signalOf(response)
    expect(signal.signal_id).toBe("openai:resp_0c3f9a1b7e2d4c58006925f3a1e4b08190a6d2c7f5e81b3a94")
    expect(signal.endpoint).toBe("responses")
    expect(signal.cost_components).toEqual({
      input_tokens: "0.00119",
      cache_read_tokens: "0.000256",
      output_tokens: "0.003",
      reasoning_tokens: "0.006",
    })
    expect(signal.base_cost).toBe("0.010446")
  })

  it("reads the response.completed event, with cache writes split by retention (gpt-5.6-terra)", () => {
    const call = adapter.normalize(completedEvent)
    expect(call.model).toBe("gpt-5.6-terra-2026-07-09")
    expect(call.providerRequestId).toBe("resp_08b2e4c6a1f3d5e7006a1c9e4f7b2081938d5c2a7e4f1b6c90")
    // input 12000 = 8000 cached reads + 3000 cache writes (1000 for 12h, 2000 for 30m) + 1000;
    // output 1200 = 700 reasoning + 500.
    expect(call.usage).toEqual({
      input_tokens: 1000,
      cache_read_tokens: 8000,
      cache_write_tokens: 2000,
      cache_write_1h_tokens: 1000,
      output_tokens: 500,
      reasoning_tokens: 700,
    })
    // Called 2026-11-02, after the 2026-07-30 cut: $2 in, $0.20 cached, $2.50 cache
    // writes (1.25 x input, either retention), $12 out.
    // 1000 x 2 -> 0.002; 8000 x 0.2 = 1600 -> 0.0016; 2000 x 2.5 = 5000 -> 0.005;
    // 1000 x 2.5 = 2500 -> 0.0025; 500 x 12 = 6000 -> 0.006; 700 x 12 = 8400 -> 0.0084;
    // total 0.0255.
    const signal = signalOf(completedEvent)
    expect(signal.price_ref).toBe("openai/gpt-5.6-terra@2026-07-30")
    expect(signal.cost_components).toEqual({
      input_tokens: "0.002",
      cache_read_tokens: "0.0016",
      cache_write_tokens: "0.005",
      cache_write_1h_tokens: "0.0025",
      output_tokens: "0.006",
      reasoning_tokens: "0.0084",
    })
    expect(signal.base_cost).toBe("0.0255")
  })

  it("prices by the price in force at the call time (gpt-5.6-terra before its cut)", () => {
    // Same usage on 2026-07-29: $2.50 in, $0.25 cached, $3.125 writes, $15 out.
    // 1000 x 2.5 -> 0.0025; 8000 x 0.25 -> 0.002; 2000 x 3.125 -> 0.00625;
    // 1000 x 3.125 -> 0.003125; 500 x 15 -> 0.0075; 700 x 15 -> 0.0105; total 0.031875.
    const signal = signalOf(completedEvent, { at: Date.parse("2026-07-29T12:00:00.000Z") })
    expect(signal.price_ref).toBe("openai/gpt-5.6-terra@2026-07-09")
    expect(signal.base_cost).toBe("0.031875")
  })

  it("counts web_search_call items as web searches and charges the per-call fee (gpt-5)", () => {
    const call = adapter.normalize(webSearch)
    // output 650 = 320 reasoning + 330; two web_search_call items (a search and an open_page).
    expect(call.usage).toEqual({
      input_tokens: 8200,
      output_tokens: 330,
      reasoning_tokens: 320,
      web_search_requests: 2,
    })
    expect(call.capabilities).toEqual(["reasoning", "web_search"])
    // gpt-5: 8200 x 1.25 = 10250 -> 0.01025; 330 x 10 -> 0.0033; 320 x 10 -> 0.0032;
    // 2 searches x $0.01 -> 0.02; total 0.03675.
    const signal = signalOf(webSearch)
    expect(signal.cost_components).toEqual({
      input_tokens: "0.01025",
      output_tokens: "0.0033",
      reasoning_tokens: "0.0032",
      web_search_requests: "0.02",
    })
    expect(signal.base_cost).toBe("0.03675")
  })

  it("never prices web searches at $0 when the entry has no search fee (gpt-4.1-nano)", () => {
    const signal = signalOf({ ...webSearch, model: "gpt-4.1-nano-2025-04-14" })
    // Tokens still priced ($0.10 in, $0.40 out): 8200 x 0.1 = 820 -> 0.00082;
    // 650 x 0.4 = 260 -> 0.00026; the searches are a listed gap, so the cost is pending.
    expect(signal.base_cost).toBe("0.00108")
    expect(signal.pending_cost).toBe(true)
    expect(signal.estimate_method).toBe("unpriced")
    expect(signal.pricing_error).toBe(
      'openai/gpt-4.1-nano@2025-04-14 has no rate for web_search_requests and no fallback; add it to the entry (an explicit "0" is a price)',
    )
  })

  it("counts file_search_call items as RAG queries, function calls as tool use", () => {
    const withTools = {
      ...webSearch,
      output: [
        { id: "fs_1", type: "file_search_call", status: "completed", queries: ["refund policy"] },
        {
          id: "fc_1",
          type: "function_call",
          status: "completed",
          call_id: "call_1",
          name: "refund",
          arguments: "{}",
        },
      ],
    }
    const call = adapter.normalize(withTools)
    expect(call.usage.rag_queries).toBe(1)
    expect(call.usage.tool_calls).toBe(1)
    expect(call.usage.web_search_requests).toBeUndefined()
    expect(call.capabilities).toEqual(["reasoning", "tool_use", "rag"])
    // gpt-5 tokens as above (0.01025 + 0.0033 + 0.0032), one file search at $2.50 per 1,000
    // -> 0.0025, the function call is not charged: total 0.01925.
    const signal = signalOf(withTools)
    expect(signal.cost_components.rag_queries).toBe("0.0025")
    expect(signal.cost_components.tool_calls).toBeUndefined()
    expect(signal.base_cost).toBe("0.01925")
  })

  it("names the field inside the stream event when its usage is wrong", () => {
    const broken = {
      ...completedEvent,
      response: {
        ...completedEvent.response,
        usage: {
          ...completedEvent.response.usage,
          input_tokens_details: {
            cached_tokens: 8000,
            cache_write_tokens: 3000,
            cache_write_tokens_details: { ttl_12h_tokens: 1000, ttl_30m_tokens: 2500 },
          },
        },
      },
    }
    const error = malformedOf(broken)
    expect(error.field).toBe(
      "response.usage.input_tokens_details.cache_write_tokens_details.ttl_30m_tokens",
    )
    expect(error.reason).toBe(
      "response.usage.input_tokens_details.cache_write_tokens_details.ttl_12h_tokens (1000) + response.usage.input_tokens_details.cache_write_tokens_details.ttl_30m_tokens (2500) exceed response.usage.input_tokens_details.cache_write_tokens (3000), which includes them",
    )
  })

  it("rejects cached tokens above input_tokens instead of a negative bucket", () => {
    const error = malformedOf({
      ...response,
      usage: { ...response.usage, input_tokens_details: { cached_tokens: 3001 } },
    })
    expect(error.field).toBe("usage.input_tokens_details.cached_tokens")
    expect(error.message).toBe(
      "openai response: usage.input_tokens_details.cached_tokens: usage.input_tokens_details.cached_tokens (3001) exceeds usage.input_tokens (3000), which includes it",
    )
  })

  it("rejects a response that has no usage yet, saying why", () => {
    const error = malformedOf({ ...response, status: "in_progress", usage: null })
    expect(error.field).toBe("usage")
    expect(error.reason).toBe(
      "missing: the response is in_progress; usage arrives with the response.completed event",
    )
  })

  it("rejects stream events that carry no usage, and streamed error events", () => {
    expect(malformedOf({ type: "response.output_text.delta", delta: "Hi" }).field).toBe("type")
    const error = malformedOf({
      type: "error",
      code: "rate_limit_exceeded",
      message: "Rate limit reached for gpt-5.1 in organization org-x on tokens per min (TPM).",
      param: null,
      sequence_number: 3,
    })
    expect(error.message).toBe(
      'openai response: type: OpenAI streamed an error event, not a billable response: "Rate limit reached for gpt-5.1 in organization org-x on tokens per min (TPM)."',
    )
  })

  it("quotes the error of a failed response that was not billed", () => {
    const error = malformedOf({
      type: "response.failed",
      sequence_number: 9,
      response: {
        ...response,
        status: "failed",
        usage: null,
        error: { code: "server_error", message: "The model produced invalid content." },
      },
    })
    expect(error.field).toBe("response.error")
    expect(error.reason).toBe(
      'OpenAI returned an error, not a billable response: "The model produced invalid content." (server_error)',
    )
  })
})
