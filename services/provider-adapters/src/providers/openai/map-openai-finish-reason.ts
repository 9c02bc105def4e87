import type { FinishReason } from '@switchyard/shared';

/**
 * OpenAI's `finish_reason`, plus the names compatible servers use for the
 * same thing (TGI's `eos_token`, Mistral's `model_length`, and others).
 */
export function mapOpenAIFinishReason(finishReason: string | null | undefined): FinishReason {
  switch (finishReason) {
    case 'stop':
    case 'eos':
    case 'eos_token':
    case 'stop_sequence':
    case 'end_turn':
      return 'stop';
    case 'length':
    case 'max_tokens':
    case 'model_length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
    case 'tool_use':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    case 'error':
      return 'error';
    default:
      return 'other';
  }
}
