import type { ToolCall } from './chat-request';
import type { FinishReason } from './finish-reason';
import type { Usage } from './usage';

export interface ChatResponse {
  /** The provider's response id. */
  id: string;
  /** The model that served the request, as the provider named it. */
  model: string;
  /** Unix seconds. */
  created: number;
  choices: ChatChoice[];
  usage?: Usage;
  systemFingerprint?: string;
}

export interface ChatChoice {
  index: number;
  message: ResponseMessage;
  finishReason: FinishReason;
}

export interface ResponseMessage {
  content: string | null;
  toolCalls?: ToolCall[];
  refusal?: string;
  reasoning?: string;
}
