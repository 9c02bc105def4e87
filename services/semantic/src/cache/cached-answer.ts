import type { ChatResponse } from '@switchyard/shared';

/** An answer as the cache keeps it. */
export interface CachedAnswer {
  response: ChatResponse;
  /** Unix milliseconds, by the cache's clock. */
  storedAt: number;
  /** Unix milliseconds after which it is never served (stores also expire it on their own). */
  expiresAt: number;
}

/**
 * Whether an answer may be kept: every choice ended normally. An error, a
 * content filter or an unknown ending is left for the next request to retry.
 */
export function isCacheable(response: ChatResponse): boolean {
  return (
    response.choices.length > 0 &&
    response.choices.every((choice) => choice.finishReason === 'stop' || choice.finishReason === 'length' || choice.finishReason === 'tool_calls')
  );
}
