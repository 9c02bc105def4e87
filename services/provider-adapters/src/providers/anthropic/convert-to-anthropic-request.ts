import {
  invalidRequest,
  type CacheControl,
  type ChatRequest,
  type ContentPart,
  type ReasoningBlock,
  type ReasoningOptions,
  type ToolCall,
  type ToolChoice,
  type ToolDefinition,
} from '@switchyard/shared';
import type {
  AnthropicCacheControl,
  AnthropicDocumentBlock,
  AnthropicImageBlock,
  AnthropicMessage,
  AnthropicMessagesRequest,
  AnthropicRequestBlock,
  AnthropicTextBlock,
  AnthropicTool,
  AnthropicToolResultBlock,
  AnthropicToolChoice,
  AnthropicToolUseBlock,
} from './anthropic-api';

/** Anthropic requires `max_tokens`; this is sent when the client gave none (plus any thinking budget). */
export const DEFAULT_MAX_TOKENS = 4096;

/** Anthropic's smallest thinking budget. */
const MIN_BUDGET_TOKENS = 1024;

/** Thinking budgets for `reasoning.effort`. */
export const EFFORT_BUDGET_TOKENS = { minimal: MIN_BUDGET_TOKENS, low: MIN_BUDGET_TOKENS, medium: 4096, high: 16384 } as const;

/** Anthropic has no JSON mode without a schema; `json_object` is asked for in the system prompt. */
export const JSON_OBJECT_INSTRUCTION = 'Respond with a single JSON object and no other text.';

/**
 * The request parameters Anthropic's Messages API has no equivalent for, by
 * the names clients send them (Anthropic's own OpenAI-compatibility page,
 * https://docs.claude.com/en/api/openai-sdk, lists them as ignored; `n` must
 * be 1). The adapter settles them: a 400 naming the first, or dropped when
 * allowed.
 */
export function unsupportedAnthropicParameters(request: ChatRequest): string[] {
  const { sampling } = request;
  const names: string[] = [];
  if (sampling.n !== undefined && sampling.n > 1) names.push('n');
  if (sampling.presencePenalty !== undefined) names.push('presence_penalty');
  if (sampling.frequencyPenalty !== undefined) names.push('frequency_penalty');
  if (request.seed !== undefined) names.push('seed');
  // `metadata` and `user` are Switchyard's too (records, analytics, limits): kept there, not refused.
  return names;
}

/**
 * The canonical request as a Messages API body. System messages are joined
 * into the top-level `system` (text blocks when one carries `cache_control`);
 * tool results become `tool_result` blocks of a user turn; adjacent turns of
 * one role are merged, as Anthropic expects alternating roles. An assistant
 * turn starts with its reasoning blocks, signatures unchanged, as Anthropic
 * verifies them when thinking is used with tools. `json_schema` output uses
 * structured outputs (`output_config.format`). Parameters Anthropic cannot
 * honour (see `unsupportedAnthropicParameters`) are the adapter's to settle
 * before this; they are never sent.
 */
export function convertToAnthropicRequest(model: string, request: ChatRequest): AnthropicMessagesRequest {
  const { sampling } = request;
  const system: AnthropicTextBlock[] = [];
  const messages: AnthropicMessage[] = [];
  request.messages.forEach((message, index) => {
    const param = `messages[${index}]`;
    switch (message.role) {
      case 'system':
        if (message.content !== '') system.push(withCacheControl<AnthropicTextBlock>({ type: 'text', text: message.content }, message.cacheControl));
        break;
      case 'user':
        appendTurn(
          messages,
          'user',
          message.content.flatMap((part, partIndex) => userBlock(part, `${param}.content[${partIndex}]`)),
        );
        break;
      case 'assistant': {
        const blocks: AnthropicRequestBlock[] = (message.reasoningBlocks ?? []).flatMap(reasoningBlock);
        for (const part of message.content) {
          if (part.text !== '') blocks.push(withCacheControl<AnthropicTextBlock>({ type: 'text', text: part.text }, part.cacheControl));
        }
        message.toolCalls?.forEach((call, callIndex) => blocks.push(toolUseBlock(call, `${param}.tool_calls[${callIndex}]`)));
        appendTurn(messages, 'assistant', blocks);
        break;
      }
      case 'tool':
        appendTurn(messages, 'user', [
          withCacheControl<AnthropicToolResultBlock>(
            { type: 'tool_result', tool_use_id: message.toolCallId, content: message.content },
            message.cacheControl,
          ),
        ]);
        break;
    }
  });
  if (request.responseFormat?.type === 'json_object') system.push({ type: 'text', text: JSON_OBJECT_INSTRUCTION });

  const budget = thinkingBudget(request.reasoning, sampling.maxTokens);
  const body: AnthropicMessagesRequest = {
    model,
    max_tokens: sampling.maxTokens ?? DEFAULT_MAX_TOKENS + (budget ?? 0),
    messages,
  };
  if (system.length > 0) {
    // A plain string unless a block carries a cache breakpoint, which only the block form can hold.
    body.system = system.some((block) => block.cache_control) ? system : system.map((block) => block.text).join('\n\n');
  }
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map(anthropicTool);
    const choice = toolChoice(request.toolChoice, request.parallelToolCalls);
    if (choice) body.tool_choice = choice;
  }
  if (sampling.temperature !== undefined) body.temperature = sampling.temperature;
  if (sampling.topP !== undefined) body.top_p = sampling.topP;
  if (sampling.topK !== undefined) body.top_k = sampling.topK;
  if (request.stop && request.stop.length > 0) body.stop_sequences = request.stop;
  if (request.user !== undefined) body.metadata = { user_id: request.user };
  if (budget !== undefined) body.thinking = { type: 'enabled', budget_tokens: budget };
  if (request.responseFormat?.type === 'json_schema') {
    body.output_config = { format: { type: 'json_schema', schema: request.responseFormat.schema } };
  }
  return body;
}

function withCacheControl<T extends { cache_control?: AnthropicCacheControl }>(block: T, cacheControl: CacheControl | undefined): T {
  if (cacheControl) block.cache_control = cacheControl.ttl ? { type: 'ephemeral', ttl: cacheControl.ttl } : { type: 'ephemeral' };
  return block;
}

/**
 * A reasoning block as Anthropic returned it. A thinking block without a
 * signature (reasoning from another provider, or text a client wrote) cannot
 * pass Anthropic's verification and is not sent; the model does not need
 * earlier turns' reasoning except to check it.
 */
function reasoningBlock(block: ReasoningBlock): AnthropicRequestBlock[] {
  if (block.type === 'redacted') return [{ type: 'redacted_thinking', data: block.data }];
  return block.signature ? [{ type: 'thinking', thinking: block.text, signature: block.signature }] : [];
}

function appendTurn(messages: AnthropicMessage[], role: AnthropicMessage['role'], blocks: AnthropicRequestBlock[]): void {
  if (blocks.length === 0) return;
  const last = messages[messages.length - 1];
  if (last?.role === role) last.content.push(...blocks);
  else messages.push({ role, content: blocks });
}

function userBlock(part: ContentPart, param: string): AnthropicRequestBlock[] {
  if (part.type === 'text')
    return part.text === '' ? [] : [withCacheControl<AnthropicTextBlock>({ type: 'text', text: part.text }, part.cacheControl)];
  return [withCacheControl(mediaBlock(part.url, param), part.cacheControl)];
}

/** `data:<media type>;base64,<data>` becomes a base64 source (a PDF a document block), an http(s) URL a URL source. */
function mediaBlock(url: string, param: string): AnthropicImageBlock | AnthropicDocumentBlock {
  if (url.startsWith('data:')) {
    const header = /^data:([^;,]+)[^,]*;base64,/.exec(url);
    if (!header) throw invalidRequest('An image data URL must be base64: data:<media type>;base64,<data>.', param);
    const mediaType = header[1];
    const source = { type: 'base64' as const, media_type: mediaType, data: url.slice(header[0].length) };
    return mediaType === 'application/pdf' ? { type: 'document', source } : { type: 'image', source };
  }
  if (url.startsWith('https://') || url.startsWith('http://')) return { type: 'image', source: { type: 'url', url } };
  throw invalidRequest('An image URL must be an http(s) URL or a base64 data URL.', param);
}

function toolUseBlock(call: ToolCall, param: string): AnthropicToolUseBlock {
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
  return { type: 'tool_use', id: call.id, name: call.name, input: input as Record<string, unknown> };
}

function anthropicTool(tool: ToolDefinition): AnthropicTool {
  const converted: AnthropicTool = {
    name: tool.name,
    input_schema: tool.parameters.type === undefined ? { type: 'object', ...tool.parameters } : tool.parameters,
  };
  if (tool.description !== undefined) converted.description = tool.description;
  if (tool.strict) converted.strict = true;
  return withCacheControl(converted, tool.cacheControl);
}

function toolChoice(choice: ToolChoice | undefined, parallelToolCalls: boolean | undefined): AnthropicToolChoice | undefined {
  const serial = parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
  switch (choice?.mode) {
    case undefined:
      return parallelToolCalls === false ? { type: 'auto', ...serial } : undefined;
    case 'auto':
      return { type: 'auto', ...serial };
    case 'required':
      return { type: 'any', ...serial };
    case 'tool':
      return { type: 'tool', name: choice.toolName, ...serial };
    case 'none':
      return { type: 'none' };
  }
}

/**
 * The thinking budget asked for, if any: an explicit budget wins over an effort level; 0 turns thinking off.
 * Anthropic wants the budget below `max_tokens` (which counts thinking too, like OpenAI's
 * `max_completion_tokens`), so an effort's budget shrinks to fit a smaller `max_tokens`; one too small
 * for even the minimum budget is a 400 naming it.
 */
function thinkingBudget(reasoning: ReasoningOptions | undefined, maxTokens: number | undefined): number | undefined {
  if (!reasoning) return undefined;
  if (reasoning.budgetTokens !== undefined) return reasoning.budgetTokens > 0 ? reasoning.budgetTokens : undefined;
  if (reasoning.effort === undefined) return undefined;
  const budget = EFFORT_BUDGET_TOKENS[reasoning.effort];
  if (maxTokens === undefined || maxTokens > budget) return budget;
  if (maxTokens <= MIN_BUDGET_TOKENS) {
    throw invalidRequest(
      `With reasoning, Anthropic needs max_tokens above its minimum thinking budget of ${MIN_BUDGET_TOKENS} tokens; got ${maxTokens}.`,
      'max_tokens',
    );
  }
  return maxTokens - 1;
}
