/**
 * The canonical chat request. Everything inside Switchyard speaks this; client
 * and provider wire formats are converted to and from it at the edges.
 */
export interface ChatRequest {
  /** The model as the client asked for it: an alias or `provider/model`. */
  model: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
  sampling: SamplingParameters;
  stop?: string[];
  seed?: number;
  /** End-user identifier, passed through to providers that accept one. */
  user?: string;
  metadata?: Record<string, string>;
  stream: boolean;
  /** With `stream`, whether a final usage part is wanted (`stream_options.include_usage`). */
  includeUsage: boolean;
  reasoning?: ReasoningOptions;
  /**
   * Top-level request fields Switchyard does not model (`logprobs`,
   * `logit_bias`, `service_tier`, vLLM's `top_k`, ...), exactly as the client
   * sent them: passed through to OpenAI-format upstreams; a translated
   * provider rejects them by name unless dropping is allowed.
   */
  extraBody?: Record<string, unknown>;
  /**
   * The API whose names `extraBody` uses (absent: OpenAI's). An upstream of
   * that same format gets the fields as they are; any other settles them as
   * unsupported.
   */
  extraBodyFormat?: 'openai' | 'anthropic' | 'openai-responses';
  /** Provider-specific options keyed by provider kind or provider id (`{"anthropic": {...}}`), merged into that provider's request. */
  providerOptions?: Record<string, Record<string, unknown>>;
  /** Drop parameters the provider cannot honour instead of failing (the `x-switchyard-drop-unsupported-params` header). */
  dropUnsupportedParams?: boolean;
}

export interface SamplingParameters {
  temperature?: number;
  topP?: number;
  topK?: number;
  maxTokens?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** Number of choices to generate. */
  n?: number;
}

export interface ReasoningOptions {
  effort?: 'minimal' | 'low' | 'medium' | 'high';
  budgetTokens?: number;
}

export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

export interface SystemMessage {
  role: 'system';
  content: string;
  cacheControl?: CacheControl;
}

/** A prompt-cache breakpoint (Anthropic's `cache_control`): the prefix up to here is cached. */
export interface CacheControl {
  type: 'ephemeral';
  ttl?: '5m' | '1h';
}

export interface UserMessage {
  role: 'user';
  content: ContentPart[];
  name?: string;
}

export interface AssistantMessage {
  role: 'assistant';
  content: TextPart[];
  toolCalls?: ToolCall[];
  reasoning?: string;
  /**
   * The reasoning as the provider returned it, block by block, signatures
   * included: providers that verify reasoning on the next turn (Anthropic
   * extended thinking with tools) need it back unchanged.
   */
  reasoningBlocks?: ReasoningBlock[];
  refusal?: string;
}

export type ReasoningBlock = ThinkingBlock | RedactedThinkingBlock;

export interface ThinkingBlock {
  type: 'thinking';
  text: string;
  signature?: string;
}

/** Reasoning the provider encrypted; only its opaque data goes back. */
export interface RedactedThinkingBlock {
  type: 'redacted';
  data: string;
}

export interface ToolMessage {
  role: 'tool';
  toolCallId: string;
  content: string;
  cacheControl?: CacheControl;
}

export type ContentPart = TextPart | ImagePart;

export interface TextPart {
  type: 'text';
  text: string;
  cacheControl?: CacheControl;
}

export interface ImagePart {
  type: 'image';
  /** An https URL or a `data:<media type>;base64,...` URL. */
  url: string;
  detail?: 'auto' | 'low' | 'high';
  cacheControl?: CacheControl;
}

export interface ToolDefinition {
  name: string;
  description?: string;
  /** A JSON Schema object describing the arguments. */
  parameters: Record<string, unknown>;
  strict?: boolean;
  cacheControl?: CacheControl;
}

export type ToolChoice = { mode: 'auto' } | { mode: 'none' } | { mode: 'required' } | { mode: 'tool'; toolName: string };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      name: string;
      description?: string;
      schema: Record<string, unknown>;
      strict?: boolean;
    };

export interface ToolCall {
  id: string;
  name: string;
  /** The arguments as JSON text, exactly as the model produced them. */
  arguments: string;
}
