import {
  invalidRequest,
  type AssistantMessage,
  type CacheControl,
  type ChatRequest,
  type ContentPart,
  type ReasoningOptions,
  type ToolCall,
  type ToolChoice,
  type ToolDefinition,
} from '@switchyard/shared';
import type {
  BedrockContentBlock,
  BedrockConverseRequest,
  BedrockImageFormat,
  BedrockMessage,
  BedrockSystemBlock,
  BedrockTool,
  BedrockToolChoice,
} from './bedrock-api';

/** Thinking budgets for `reasoning.effort` on Anthropic models; 1024 is Anthropic's minimum. */
export const EFFORT_BUDGET_TOKENS = { minimal: 1024, low: 1024, medium: 4096, high: 16384 } as const;

/** Converse has no JSON mode; `json_object` is asked for in the system prompt. */
export const JSON_OBJECT_INSTRUCTION = 'Respond with a single JSON object and no other text.';

const IMAGE_FORMATS: Record<string, BedrockImageFormat> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

export interface ConvertedBedrockRequest {
  body: BedrockConverseRequest;
  /** Request parameters (by their OpenAI names) Converse cannot honour for this model. */
  unsupported: string[];
}

/**
 * The canonical request as a Converse body. System messages become `system`
 * blocks; tool results `toolResult` blocks of a user turn; adjacent turns of
 * one role are merged, as Converse expects alternating roles. A prompt-cache
 * breakpoint (`cacheControl`) becomes a `cachePoint` block after the part it
 * marks. Reasoning blocks go back first in their assistant turn, signatures
 * unchanged. Anthropic models get `thinking` and `top_k` through
 * `additionalModelRequestFields`; parameters Converse has no place for are
 * returned in `unsupported` for the adapter to settle.
 */
export function convertToBedrockRequest(model: string, request: ChatRequest): ConvertedBedrockRequest {
  const { sampling } = request;
  if (sampling.n !== undefined && sampling.n > 1) throw invalidRequest('Bedrock models return a single choice: n must be 1.', 'n');
  const anthropicModel = isAnthropicModel(model);
  const unsupported: string[] = [];

  const system: BedrockSystemBlock[] = [];
  const messages: BedrockMessage[] = [];
  request.messages.forEach((message, index) => {
    const param = `messages[${index}]`;
    switch (message.role) {
      case 'system':
        if (message.content !== '') system.push({ text: message.content });
        if (message.cacheControl) system.push(cachePoint(message.cacheControl));
        break;
      case 'user':
        appendTurn(
          messages,
          'user',
          message.content.flatMap((part, partIndex) => userBlocks(part, `${param}.content[${partIndex}]`)),
        );
        break;
      case 'assistant':
        appendTurn(messages, 'assistant', assistantBlocks(message, param));
        break;
      case 'tool': {
        const blocks: BedrockContentBlock[] = [{ toolResult: { toolUseId: message.toolCallId, content: [{ text: message.content }] } }];
        if (message.cacheControl) blocks.push(cachePoint(message.cacheControl));
        appendTurn(messages, 'user', blocks);
        break;
      }
    }
  });
  if (request.responseFormat?.type === 'json_object') system.push({ text: JSON_OBJECT_INSTRUCTION });
  if (request.responseFormat?.type === 'json_schema') unsupported.push('response_format');

  const body: BedrockConverseRequest = { messages };
  if (system.length > 0) body.system = system;

  const inference: NonNullable<BedrockConverseRequest['inferenceConfig']> = {};
  if (sampling.maxTokens !== undefined) inference.maxTokens = sampling.maxTokens;
  if (sampling.temperature !== undefined) inference.temperature = sampling.temperature;
  if (sampling.topP !== undefined) inference.topP = sampling.topP;
  if (request.stop && request.stop.length > 0) inference.stopSequences = request.stop;

  const additional: Record<string, unknown> = {};
  if (sampling.topK !== undefined) {
    if (anthropicModel) additional.top_k = sampling.topK;
    else unsupported.push('top_k');
  }
  const budget = thinkingBudget(request.reasoning);
  if (budget !== undefined) {
    if (anthropicModel) {
      additional.thinking = { type: 'enabled', budget_tokens: budget };
      // Anthropic requires max_tokens above the budget; Converse has no default of its own to rely on.
      inference.maxTokens ??= budget + 4096;
    } else {
      unsupported.push('reasoning_effort');
    }
  }
  if (sampling.presencePenalty !== undefined) unsupported.push('presence_penalty');
  if (sampling.frequencyPenalty !== undefined) unsupported.push('frequency_penalty');
  if (request.seed !== undefined) unsupported.push('seed');

  if (Object.keys(inference).length > 0) body.inferenceConfig = inference;
  if (request.tools && request.tools.length > 0) {
    const tools = request.tools.flatMap(bedrockTools);
    const choice = toolChoice(request.toolChoice, unsupported);
    body.toolConfig = choice ? { tools, toolChoice: choice } : { tools };
    // Converse cannot keep a model to one call per turn.
    if (request.parallelToolCalls === false) unsupported.push('parallel_tool_calls');
  } else if (request.toolChoice !== undefined && request.toolChoice.mode !== 'none' && request.toolChoice.mode !== 'auto') {
    throw invalidRequest('tool_choice needs tools.', 'tool_choice');
  }
  if (Object.keys(additional).length > 0) body.additionalModelRequestFields = additional;
  const metadata = { ...request.metadata, ...(request.user === undefined ? {} : { user: request.user }) };
  if (Object.keys(metadata).length > 0) body.requestMetadata = metadata;
  return { body, unsupported };
}

/** Claude on Bedrock: `anthropic.claude-…`, or an inference profile such as `us.anthropic.claude-…`, or an ARN naming one. */
export function isAnthropicModel(model: string): boolean {
  return /(^|[.:/])anthropic\./.test(model);
}

function appendTurn(messages: BedrockMessage[], role: BedrockMessage['role'], blocks: BedrockContentBlock[]): void {
  if (blocks.length === 0) return;
  const last = messages[messages.length - 1];
  if (last?.role === role) last.content.push(...blocks);
  else messages.push({ role, content: blocks });
}

function cachePoint(_cacheControl: CacheControl): BedrockContentBlock & BedrockSystemBlock & BedrockTool {
  return { cachePoint: { type: 'default' } };
}

function userBlocks(part: ContentPart, param: string): BedrockContentBlock[] {
  const blocks: BedrockContentBlock[] = [];
  if (part.type === 'text') {
    if (part.text !== '') blocks.push({ text: part.text });
  } else {
    blocks.push(mediaBlock(part.url, param));
  }
  if (part.cacheControl && blocks.length > 0) blocks.push(cachePoint(part.cacheControl));
  return blocks;
}

/** Converse takes media as bytes only (or S3 locations): a base64 data URL, an image or a PDF. */
function mediaBlock(url: string, param: string): BedrockContentBlock {
  const header = /^data:([^;,]+)[^,]*;base64,/.exec(url);
  if (!header) {
    throw invalidRequest('Bedrock takes images as base64 data URLs (data:<media type>;base64,<data>), not as links.', param);
  }
  const mediaType = header[1].toLowerCase();
  const bytes = url.slice(header[0].length);
  if (mediaType === 'application/pdf') return { document: { format: 'pdf', name: 'document', source: { bytes } } };
  const format = IMAGE_FORMATS[mediaType];
  if (!format) throw invalidRequest(`Bedrock does not take images of type ${mediaType}: use PNG, JPEG, GIF or WebP.`, param);
  return { image: { format, source: { bytes } } };
}

function assistantBlocks(message: AssistantMessage, param: string): BedrockContentBlock[] {
  const blocks: BedrockContentBlock[] = [];
  for (const block of message.reasoningBlocks ?? []) {
    if (block.type === 'thinking') {
      const reasoningText = block.signature === undefined ? { text: block.text } : { text: block.text, signature: block.signature };
      blocks.push({ reasoningContent: { reasoningText } });
    } else {
      blocks.push({ reasoningContent: { redactedContent: block.data } });
    }
  }
  for (const part of message.content) {
    if (part.text !== '') blocks.push({ text: part.text });
    if (part.cacheControl && part.text !== '') blocks.push(cachePoint(part.cacheControl));
  }
  message.toolCalls?.forEach((call, callIndex) => blocks.push(toolUseBlock(call, `${param}.tool_calls[${callIndex}]`)));
  return blocks;
}

function toolUseBlock(call: ToolCall, param: string): BedrockContentBlock {
  let input: unknown = {};
  if (call.arguments.trim() !== '') {
    try {
      input = JSON.parse(call.arguments);
    } catch {
      input = undefined;
    }
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw invalidRequest('The arguments of a tool call must be a JSON object.', `${param}.function.arguments`);
  }
  return { toolUse: { toolUseId: call.id, name: call.name, input } };
}

function bedrockTools(tool: ToolDefinition): BedrockTool[] {
  const json = tool.parameters.type === undefined ? { type: 'object', ...tool.parameters } : tool.parameters;
  const spec: BedrockTool = {
    toolSpec: { name: tool.name, ...(tool.description === undefined ? {} : { description: tool.description }), inputSchema: { json } },
  };
  return tool.cacheControl ? [spec, cachePoint(tool.cacheControl)] : [spec];
}

/** Converse has no `none`: that choice is settled as an unsupported `tool_choice`. */
function toolChoice(choice: ToolChoice | undefined, unsupported: string[]): BedrockToolChoice | undefined {
  switch (choice?.mode) {
    case undefined:
      return undefined;
    case 'auto':
      return { auto: {} };
    case 'required':
      return { any: {} };
    case 'tool':
      return { tool: { name: choice.toolName } };
    case 'none':
      unsupported.push('tool_choice');
      return undefined;
  }
}

/** The thinking budget asked for, if any: an explicit budget wins over an effort level; 0 turns thinking off. */
function thinkingBudget(reasoning: ReasoningOptions | undefined): number | undefined {
  if (!reasoning) return undefined;
  if (reasoning.budgetTokens !== undefined) return reasoning.budgetTokens > 0 ? reasoning.budgetTokens : undefined;
  return reasoning.effort === undefined ? undefined : EFFORT_BUDGET_TOKENS[reasoning.effort];
}
