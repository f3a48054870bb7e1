/**
 * Why ours and genai-prices disagree on a response, worked out by hand from
 * the fixture, our shipped book and genai-prices' bundled table (0.1.8). The
 * bench prints "UNEXPLAINED" for a new disagreement and flags an entry here
 * that no longer disagrees, so this list cannot silently go stale.
 */
export const WHY: { readonly [id: string]: string } = {
  "openai/batch-output-line":
    "Batch API line (service tier batch): our book takes 50% off (0.2/0.8 per M); genai-prices has no batch price and charges standard 0.4/1.6",
  "openai/chat-service-tier-flex":
    "service_tier flex: our book prices Flex at Batch rates (1/0.25/4 per M); genai-prices ignores the tier and charges standard 2/0.5/8",
  "openai/chat-service-tier-priority":
    "service_tier priority: our book charges the Priority rates (0.45/3.6 per M); genai-prices ignores the tier and charges standard 0.25/2",
  "openai/responses-completed-event":
    "usage only: its Responses extractor does not read the TTL split (input_tokens_details.cache_write_tokens_details.ttl_12h_tokens), which our adapter books as 1000 long-TTL writes (cache_write_1h_tokens); this model prices both TTLs at 2.5/M, so the cost agrees",
  "openai/responses-web-search":
    "its Responses extractor does not count web_search_call output items: 2 searches at $0.01 (= $0.02) missing",
  "anthropic/batch-result-us":
    "Message Batches result with inference_geo us: our book takes the batch 50% off and the 1.1x US-only multiplier (2.75/0.275/13.75 per M); genai-prices charges standard 5/0.5/25",
  "google/grounding":
    "its Gemini extractor does not count grounding queries (groundingMetadata.webSearchQueries): 2 Google Search queries at $0.014 (= $0.028) missing",
  "openrouter/byok":
    "BYOK: we book the upstream inference cost (0.009736) plus OpenRouter's 5% fee (usage.cost 0.0004868); genai-prices prices the tokens at list rates, which equals our book estimate",
  "openrouter/web-search":
    "OpenRouter's reported usage.cost includes $0.02 for the web search beside 0.0018125 of tokens; genai-prices counts tokens only (its chat extractor has no web search mapping); our book has no search fee, so no local estimate",
}
