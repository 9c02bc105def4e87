import type { FinishReason } from '@switchyard/shared';

/** Converse's `stopReason` as a canonical finish reason; unknown reasons are `other`. */
export function mapBedrockStopReason(stopReason: string | null | undefined): FinishReason {
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content_filter';
    default:
      // malformed_model_output, malformed_tool_use, and reasons added later.
      return 'other';
  }
}
