import type { ReasoningBlock, ToolCall } from './chat-request';
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
  serviceTier?: string;
  /** Request parameters the provider could not honour and that were dropped, as allowed (reported in a response header). */
  droppedParams?: string[];
}

export interface ChatChoice {
  index: number;
  message: ResponseMessage;
  finishReason: FinishReason;
  /** OpenAI's `logprobs` object of the choice, passed through as the provider sent it. */
  logprobs?: Record<string, unknown>;
}

export interface ResponseMessage {
  content: string | null;
  toolCalls?: ToolCall[];
  refusal?: string;
  reasoning?: string;
  /** See `AssistantMessage.reasoningBlocks`. */
  reasoningBlocks?: ReasoningBlock[];
}
