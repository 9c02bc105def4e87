import type { FinishReason } from '@switchyard/shared';

/**
 * Cohere's `finish_reason` (COMPLETE, STOP_SEQUENCE, MAX_TOKENS, TOOL_CALL,
 * ERROR, TIMEOUT) as a canonical finish reason; unknown reasons are `other`.
 */
export function mapCohereFinishReason(finishReason: string | null | undefined): FinishReason {
  switch (finishReason) {
    case 'COMPLETE':
    case 'STOP_SEQUENCE':
      return 'stop';
    case 'MAX_TOKENS':
      return 'length';
    case 'TOOL_CALL':
      return 'tool_calls';
    case 'ERROR':
    case 'TIMEOUT':
      return 'error';
    default:
      return 'other';
  }
}
