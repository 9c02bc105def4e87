import type { FinishReason } from '@switchyard/shared';

/** Mistral's `finish_reason` (stop, length, model_length, error, tool_calls) as a canonical finish reason. */
export function mapMistralFinishReason(finishReason: string | null | undefined): FinishReason {
  switch (finishReason) {
    case 'stop':
      return 'stop';
    case 'length':
    case 'model_length':
      return 'length';
    case 'tool_calls':
      return 'tool_calls';
    case 'error':
      return 'error';
    default:
      return 'other';
  }
}
