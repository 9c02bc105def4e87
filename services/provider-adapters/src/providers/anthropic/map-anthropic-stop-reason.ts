import type { FinishReason } from '@switchyard/shared';

/** Anthropic's `stop_reason` as a canonical finish reason; unknown reasons are `other`. */
export function mapAnthropicStopReason(stopReason: string | null | undefined): FinishReason {
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      // pause_turn (a server tool loop was paused), and reasons added later.
      return 'other';
  }
}
