import type { FinishReason } from '@switchyard/shared';

/**
 * Gemini's `finishReason` as a canonical finish reason
 * (https://ai.google.dev/api/generate-content#FinishReason). Gemini ends a
 * turn of function calls with `STOP`; `hasToolCalls` makes that `tool_calls`.
 */
export function mapGeminiFinishReason(finishReason: string | null | undefined, hasToolCalls: boolean): FinishReason {
  switch (finishReason) {
    case 'STOP':
      return hasToolCalls ? 'tool_calls' : 'stop';
    case 'MAX_TOKENS':
      return 'length';
    case 'SAFETY':
    case 'RECITATION':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
    case 'IMAGE_PROHIBITED_CONTENT':
    case 'IMAGE_RECITATION':
      return 'content_filter';
    case 'MALFORMED_FUNCTION_CALL':
    case 'UNEXPECTED_TOOL_CALL':
    case 'TOO_MANY_TOOL_CALLS':
    case 'MISSING_THOUGHT_SIGNATURE':
    case 'MALFORMED_RESPONSE':
      return 'error';
    default:
      // LANGUAGE, OTHER, IMAGE_OTHER, NO_IMAGE, FINISH_REASON_UNSPECIFIED and reasons added later.
      return hasToolCalls ? 'tool_calls' : 'other';
  }
}

/** A prompt Gemini refused to answer (`promptFeedback.blockReason`) ends like a filtered answer. */
export function mapGeminiBlockReason(): FinishReason {
  return 'content_filter';
}
