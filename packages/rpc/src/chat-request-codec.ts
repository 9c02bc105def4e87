import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { chatV1 } from '@switchyard/proto';
import type {
  ChatMessage,
  ChatRequest,
  ContentPart,
  ImagePart,
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

export function chatRequestToProto(request: ChatRequest): chatV1.ChatRequest {
  return create(chatV1.ChatRequestSchema, {
    model: request.model,
    messages: request.messages.map(messageToProto),
    tools: request.tools?.map((tool) => ({
      name: tool.name,
      description: tool.description ?? '',
      parametersJson: JSON.stringify(tool.parameters),
      strict: tool.strict,
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
  });
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
      return { role: chatV1.Role.SYSTEM, content: [textPart(message.content)] };
    case 'user':
      return { role: chatV1.Role.USER, content: message.content.map(contentPartToProto), name: message.name };
    case 'assistant':
      return {
        role: chatV1.Role.ASSISTANT,
        content: message.content.map((part) => textPart(part.text)),
        toolCalls: message.toolCalls,
        reasoning: message.reasoning,
        refusal: message.refusal,
      };
    case 'tool':
      return { role: chatV1.Role.TOOL, content: [textPart(message.content)], toolCallId: message.toolCallId };
  }
}

function messageFromProto(message: chatV1.Message, index: number): ChatMessage {
  const field = `messages[${index}].content`;
  switch (message.role) {
    case chatV1.Role.SYSTEM:
      return { role: 'system', content: textFromProto(message.content, field) };
    case chatV1.Role.USER:
      return withoutUndefined({ role: 'user', content: message.content.map(contentPartFromProto), name: message.name });
    case chatV1.Role.ASSISTANT:
      return withoutUndefined({
        role: 'assistant',
        content: message.content.map((part): TextPart => ({ type: 'text', text: textFromProto([part], field) })),
        toolCalls: nonEmpty(message.toolCalls.map(toolCallFromProto)),
        reasoning: message.reasoning,
        refusal: message.refusal,
      });
    case chatV1.Role.TOOL:
      return { role: 'tool', toolCallId: message.toolCallId, content: textFromProto(message.content, field) };
    default:
      throw malformedMessage(`messages[${index}].role is ${message.role}`);
  }
}

function textPart(text: string): ContentPartInit {
  return { part: { case: 'text', value: text } };
}

function contentPartToProto(part: ContentPart): ContentPartInit {
  return part.type === 'text' ? textPart(part.text) : { part: { case: 'image', value: { url: part.url, detail: part.detail ?? '' } } };
}

function contentPartFromProto(part: chatV1.ContentPart): ContentPart {
  switch (part.part.case) {
    case 'text':
      return { type: 'text', text: part.part.value };
    case 'image': {
      const { url, detail } = part.part.value;
      const image: ImagePart = { type: 'image', url };
      if (detail !== '') image.detail = oneOf(IMAGE_DETAILS, detail, 'image.detail');
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
