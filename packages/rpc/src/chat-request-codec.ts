import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { chatV1 } from '@switchyard/proto';
import type {
  CacheControl,
  ChatMessage,
  ChatRequest,
  ContentPart,
  ImagePart,
  ReasoningBlock,
  ReasoningOptions,
  ResponseFormat,
  SamplingParameters,
  TextPart,
  ToolCall,
  ToolChoice,
  ToolDefinition,
} from '@switchyard/shared';
import { malformedMessage, nonEmpty, nonEmptyString, oneOf, optionalInt64, optionalNumber, parseJsonObject, withoutUndefined } from './proto-values';

type MessageInit = MessageInitShape<typeof chatV1.MessageSchema>;
type ContentPartInit = MessageInitShape<typeof chatV1.ContentPartSchema>;

const IMAGE_DETAILS = ['auto', 'low', 'high'] as const;
const TOOL_CHOICE_MODES = ['auto', 'none', 'required', 'tool'] as const;
const RESPONSE_FORMAT_TYPES = ['text', 'json_object', 'json_schema'] as const;
const REASONING_EFFORTS = ['minimal', 'low', 'medium', 'high'] as const;
const CACHE_TTLS = ['5m', '1h'] as const;
const EXTRA_BODY_FORMATS = ['anthropic', 'openai-responses'] as const;

export function chatRequestToProto(request: ChatRequest): chatV1.ChatRequest {
  return create(chatV1.ChatRequestSchema, {
    model: request.model,
    messages: request.messages.map(messageToProto),
    tools: request.tools?.map((tool) => ({
      name: tool.name,
      description: tool.description ?? '',
      parametersJson: JSON.stringify(tool.parameters),
      strict: tool.strict,
      cacheControl: tool.cacheControl && cacheControlToProto(tool.cacheControl),
    })),
    toolChoice: request.toolChoice && {
      mode: request.toolChoice.mode,
      toolName: request.toolChoice.mode === 'tool' ? request.toolChoice.toolName : '',
    },
    responseFormat: request.responseFormat && responseFormatToProto(request.responseFormat),
    sampling: request.sampling,
    stop: request.stop,
    seed: optionalInt64(request.seed),
    user: request.user,
    metadata: request.metadata,
    stream: request.stream,
    includeUsage: request.includeUsage,
    reasoning: request.reasoning && { effort: request.reasoning.effort ?? '', budgetTokens: request.reasoning.budgetTokens },
    parallelToolCalls: request.parallelToolCalls,
    extraBodyJson: request.extraBody ? JSON.stringify(request.extraBody) : '',
    providerOptionsJson: request.providerOptions ? JSON.stringify(request.providerOptions) : '',
    dropUnsupportedParams: request.dropUnsupportedParams,
    extraBodyFormat: request.extraBodyFormat === undefined || request.extraBodyFormat === 'openai' ? '' : request.extraBodyFormat,
  });
}

export function chatRequestFromProto(message: chatV1.ChatRequest): ChatRequest {
  return withoutUndefined<ChatRequest>({
    model: message.model,
    messages: message.messages.map(messageFromProto),
    tools: nonEmpty(message.tools.map(toolFromProto)),
    toolChoice: message.toolChoice && toolChoiceFromProto(message.toolChoice),
    parallelToolCalls: message.parallelToolCalls,
    responseFormat: message.responseFormat && responseFormatFromProto(message.responseFormat),
    sampling: samplingFromProto(message.sampling),
    stop: nonEmpty(message.stop),
    seed: optionalNumber(message.seed),
    user: message.user,
    metadata: Object.keys(message.metadata).length > 0 ? message.metadata : undefined,
    stream: message.stream,
    includeUsage: message.includeUsage,
    reasoning: message.reasoning && reasoningFromProto(message.reasoning),
    extraBody: message.extraBodyJson === '' ? undefined : parseJsonObject(message.extraBodyJson, 'extra_body_json'),
    providerOptions:
      message.providerOptionsJson === ''
        ? undefined
        : (parseJsonObject(message.providerOptionsJson, 'provider_options_json') as Record<string, Record<string, unknown>>),
    dropUnsupportedParams: message.dropUnsupportedParams,
    extraBodyFormat: message.extraBodyFormat === '' ? undefined : oneOf(EXTRA_BODY_FORMATS, message.extraBodyFormat, 'extra_body_format'),
  });
}

/** The wire form of reasoning blocks; shared with the response codec. */
export function reasoningBlocksToProto(blocks: ReasoningBlock[] | undefined): MessageInitShape<typeof chatV1.ReasoningBlockSchema>[] | undefined {
  return blocks?.map((block) =>
    block.type === 'thinking'
      ? { block: { case: 'thinking', value: { text: block.text, signature: block.signature } } }
      : { block: { case: 'redactedData', value: block.data } },
  );
}

export function reasoningBlocksFromProto(blocks: chatV1.ReasoningBlock[]): ReasoningBlock[] | undefined {
  return nonEmpty(
    blocks.map((block): ReasoningBlock => {
      switch (block.block.case) {
        case 'thinking':
          return withoutUndefined({ type: 'thinking', text: block.block.value.text, signature: block.block.value.signature });
        case 'redactedData':
          return { type: 'redacted', data: block.block.value };
        default:
          throw malformedMessage('reasoning block is empty');
      }
    }),
  );
}

function cacheControlToProto(control: CacheControl): MessageInitShape<typeof chatV1.CacheControlSchema> {
  return { type: control.type, ttl: control.ttl ?? '' };
}

function cacheControlFromProto(control: chatV1.CacheControl | undefined): CacheControl | undefined {
  if (control === undefined) return undefined;
  oneOf(['ephemeral'] as const, control.type, 'cache_control.type');
  return control.ttl === '' ? { type: 'ephemeral' } : { type: 'ephemeral', ttl: oneOf(CACHE_TTLS, control.ttl, 'cache_control.ttl') };
}

/** The wire form of a tool call; shared with the response codec. */
export function toolCallFromProto(call: chatV1.ToolCall): ToolCall {
  return { id: call.id, name: call.name, arguments: call.arguments };
}

/** Concatenates the text parts of a wire message; fails on anything but text. */
export function textFromProto(parts: chatV1.ContentPart[], field: string): string {
  let text = '';
  for (const part of parts) {
    if (part.part.case !== 'text') throw malformedMessage(`${field} may only hold text`);
    text += part.part.value;
  }
  return text;
}

function messageToProto(message: ChatMessage): MessageInit {
  switch (message.role) {
    case 'system':
      return {
        role: chatV1.Role.SYSTEM,
        content: [textPart(message.content)],
        cacheControl: message.cacheControl && cacheControlToProto(message.cacheControl),
      };
    case 'user':
      return { role: chatV1.Role.USER, content: message.content.map(contentPartToProto), name: message.name };
    case 'assistant':
      return {
        role: chatV1.Role.ASSISTANT,
        content: message.content.map((part) => textPart(part.text, part.cacheControl)),
        toolCalls: message.toolCalls,
        reasoning: message.reasoning,
        reasoningBlocks: reasoningBlocksToProto(message.reasoningBlocks),
        refusal: message.refusal,
      };
    case 'tool':
      return {
        role: chatV1.Role.TOOL,
        content: [textPart(message.content)],
        toolCallId: message.toolCallId,
        cacheControl: message.cacheControl && cacheControlToProto(message.cacheControl),
      };
  }
}

function messageFromProto(message: chatV1.Message, index: number): ChatMessage {
  const field = `messages[${index}].content`;
  switch (message.role) {
    case chatV1.Role.SYSTEM:
      return withoutUndefined({
        role: 'system',
        content: textFromProto(message.content, field),
        cacheControl: cacheControlFromProto(message.cacheControl),
      });
    case chatV1.Role.USER:
      return withoutUndefined({ role: 'user', content: message.content.map(contentPartFromProto), name: message.name });
    case chatV1.Role.ASSISTANT:
      return withoutUndefined({
        role: 'assistant',
        content: message.content.map((part): TextPart =>
          withoutUndefined({ type: 'text', text: textFromProto([part], field), cacheControl: cacheControlFromProto(part.cacheControl) }),
        ),
        toolCalls: nonEmpty(message.toolCalls.map(toolCallFromProto)),
        reasoning: message.reasoning,
        reasoningBlocks: reasoningBlocksFromProto(message.reasoningBlocks),
        refusal: message.refusal,
      });
    case chatV1.Role.TOOL:
      return withoutUndefined({
        role: 'tool',
        toolCallId: message.toolCallId,
        content: textFromProto(message.content, field),
        cacheControl: cacheControlFromProto(message.cacheControl),
      });
    default:
      throw malformedMessage(`messages[${index}].role is ${message.role}`);
  }
}

function textPart(text: string, cacheControl?: CacheControl): ContentPartInit {
  return { part: { case: 'text', value: text }, cacheControl: cacheControl && cacheControlToProto(cacheControl) };
}

function contentPartToProto(part: ContentPart): ContentPartInit {
  if (part.type === 'text') return textPart(part.text, part.cacheControl);
  return {
    part: { case: 'image', value: { url: part.url, detail: part.detail ?? '' } },
    cacheControl: part.cacheControl && cacheControlToProto(part.cacheControl),
  };
}

function contentPartFromProto(part: chatV1.ContentPart): ContentPart {
  const cacheControl = cacheControlFromProto(part.cacheControl);
  switch (part.part.case) {
    case 'text':
      return cacheControl ? { type: 'text', text: part.part.value, cacheControl } : { type: 'text', text: part.part.value };
    case 'image': {
      const { url, detail } = part.part.value;
      const image: ImagePart = { type: 'image', url };
      if (detail !== '') image.detail = oneOf(IMAGE_DETAILS, detail, 'image.detail');
      if (cacheControl) image.cacheControl = cacheControl;
      return image;
    }
    default:
      throw malformedMessage('content part is empty');
  }
}

function toolFromProto(tool: chatV1.Tool): ToolDefinition {
  return withoutUndefined({
    name: tool.name,
    description: nonEmptyString(tool.description),
    parameters: parseJsonObject(tool.parametersJson, `tools.${tool.name}.parameters_json`),
    strict: tool.strict,
    cacheControl: cacheControlFromProto(tool.cacheControl),
  });
}

function toolChoiceFromProto(choice: chatV1.ToolChoice): ToolChoice {
  const mode = oneOf(TOOL_CHOICE_MODES, choice.mode, 'tool_choice.mode');
  return mode === 'tool' ? { mode, toolName: choice.toolName } : { mode };
}

function responseFormatToProto(format: ResponseFormat): MessageInitShape<typeof chatV1.ResponseFormatSchema> {
  if (format.type !== 'json_schema') return { type: format.type };
  return {
    type: format.type,
    name: format.name,
    description: format.description ?? '',
    schemaJson: JSON.stringify(format.schema),
    strict: format.strict,
  };
}

function responseFormatFromProto(format: chatV1.ResponseFormat): ResponseFormat {
  const type = oneOf(RESPONSE_FORMAT_TYPES, format.type, 'response_format.type');
  if (type !== 'json_schema') return { type };
  return withoutUndefined({
    type,
    name: format.name,
    description: nonEmptyString(format.description),
    schema: parseJsonObject(format.schemaJson, 'response_format.schema_json'),
    strict: format.strict,
  });
}

function samplingFromProto(sampling: chatV1.Sampling | undefined): SamplingParameters {
  if (sampling === undefined) return {};
  return withoutUndefined({
    temperature: sampling.temperature,
    topP: sampling.topP,
    topK: sampling.topK,
    maxTokens: sampling.maxTokens,
    presencePenalty: sampling.presencePenalty,
    frequencyPenalty: sampling.frequencyPenalty,
    n: sampling.n,
  });
}

function reasoningFromProto(reasoning: chatV1.Reasoning): ReasoningOptions {
  return withoutUndefined({
    effort: reasoning.effort === '' ? undefined : oneOf(REASONING_EFFORTS, reasoning.effort, 'reasoning.effort'),
    budgetTokens: reasoning.budgetTokens,
  });
}
