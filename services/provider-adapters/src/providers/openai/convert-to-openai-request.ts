import type { ChatMessage, ChatRequest, ContentPart, EmbeddingRequest, ResponseFormat, ToolChoice } from '@switchyard/shared';
import type { OpenAIChatRequest, OpenAIEmbeddingRequest, OpenAIMessage, OpenAIUserContentPart } from './openai-api';

/**
 * OpenAI's reasoning models (o1, o3, o4-mini, gpt-5, ...) reject `max_tokens`
 * with 400 `unsupported_parameter` and take `max_completion_tokens`; every
 * other model, and every compatible server, takes `max_tokens`, which not all
 * of them know the newer name for. So the limit is sent as `max_tokens`
 * except to these model names.
 */
const MAX_COMPLETION_TOKENS_MODEL = /^(?:o\d|gpt-5)/;

/** How a compatible server differs from OpenAI (its preset's quirks); every field optional. */
export interface OpenAIRequestOptions {
  /** Default `openai-rule`: OpenAI's own rule by model name, which every other server also accepts. */
  maxTokensField?: 'openai-rule' | 'max_tokens' | 'max_completion_tokens';
  /** Default true: ask for the usage chunk at the end of a stream. */
  streamUsage?: boolean;
}

/**
 * The canonical request as a Chat Completions body for `model`, streamed or
 * not as `stream` says (the adapter method decides, not `request.stream`).
 *
 * Not sent: `metadata` (gateway-side only; OpenAI stores it only with
 * `store: true`), `sampling.topK` and `reasoning.budgetTokens` (OpenAI has no
 * such parameters and rejects unknown ones), and an assistant message's
 * `reasoning` (DeepSeek answers 400 when it is sent back).
 */
export function convertToOpenAIRequest(model: string, request: ChatRequest, stream: boolean, options: OpenAIRequestOptions = {}): OpenAIChatRequest {
  const { sampling } = request;
  const body: OpenAIChatRequest = { model, messages: request.messages.map(convertMessage) };

  if (request.tools?.length) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description !== undefined && { description: tool.description }),
        parameters: tool.parameters,
        ...(tool.strict !== undefined && { strict: tool.strict }),
      },
    }));
  }
  if (request.toolChoice) body.tool_choice = convertToolChoice(request.toolChoice);
  if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  if (request.responseFormat) body.response_format = convertResponseFormat(request.responseFormat);

  if (sampling.temperature !== undefined) body.temperature = sampling.temperature;
  if (sampling.topP !== undefined) body.top_p = sampling.topP;
  if (sampling.maxTokens !== undefined) {
    const field = options.maxTokensField ?? 'openai-rule';
    const completionTokens = field === 'openai-rule' ? MAX_COMPLETION_TOKENS_MODEL.test(model) : field === 'max_completion_tokens';
    if (completionTokens) body.max_completion_tokens = sampling.maxTokens;
    else body.max_tokens = sampling.maxTokens;
  }
  if (sampling.presencePenalty !== undefined) body.presence_penalty = sampling.presencePenalty;
  if (sampling.frequencyPenalty !== undefined) body.frequency_penalty = sampling.frequencyPenalty;
  if (sampling.n !== undefined) body.n = sampling.n;

  if (request.stop?.length) body.stop = request.stop;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.user !== undefined) body.user = request.user;
  if (request.reasoning?.effort) body.reasoning_effort = request.reasoning.effort;

  if (stream) {
    body.stream = true;
    // Always, so usage is accounted even when the client did not ask for it (unless the server rejects the field).
    if (options.streamUsage !== false) body.stream_options = { include_usage: true };
  }
  return body;
}

export function convertToOpenAIEmbeddingRequest(model: string, request: EmbeddingRequest): OpenAIEmbeddingRequest {
  const body: OpenAIEmbeddingRequest = { model, input: request.input };
  if (request.dimensions !== undefined) body.dimensions = request.dimensions;
  if (request.user !== undefined) body.user = request.user;
  return body;
}

function convertMessage(message: ChatMessage): OpenAIMessage {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user': {
      const { content } = message;
      // A lone text part is sent as a plain string, which every server accepts.
      const converted: OpenAIMessage = {
        role: 'user',
        content: content.length === 1 && content[0].type === 'text' ? content[0].text : content.map(convertUserPart),
      };
      if (message.name !== undefined) converted.name = message.name;
      return converted;
    }
    case 'assistant': {
      const text = message.content.map((part) => part.text).join('');
      const converted: OpenAIMessage = {
        role: 'assistant',
        content: text === '' && (message.toolCalls?.length || message.refusal) ? null : text,
      };
      if (message.toolCalls?.length) {
        converted.tool_calls = message.toolCalls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: call.arguments },
        }));
      }
      if (message.refusal !== undefined) converted.refusal = message.refusal;
      return converted;
    }
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  }
}

function convertUserPart(part: ContentPart): OpenAIUserContentPart {
  if (part.type === 'text') return { type: 'text', text: part.text };
  return { type: 'image_url', image_url: part.detail === undefined ? { url: part.url } : { url: part.url, detail: part.detail } };
}

function convertToolChoice(choice: ToolChoice): NonNullable<OpenAIChatRequest['tool_choice']> {
  return choice.mode === 'tool' ? { type: 'function', function: { name: choice.toolName } } : choice.mode;
}

function convertResponseFormat(format: ResponseFormat): NonNullable<OpenAIChatRequest['response_format']> {
  if (format.type !== 'json_schema') return { type: format.type };
  return {
    type: 'json_schema',
    json_schema: {
      name: format.name,
      ...(format.description !== undefined && { description: format.description }),
      schema: format.schema,
      ...(format.strict !== undefined && { strict: format.strict }),
    },
  };
}
