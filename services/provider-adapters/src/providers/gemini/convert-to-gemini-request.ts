import {
  invalidRequest,
  type AssistantMessage,
  type ChatRequest,
  type ContentPart,
  type ReasoningOptions,
  type ToolCall,
  type ToolChoice,
} from '@switchyard/shared';
import {
  SKIP_THOUGHT_SIGNATURE,
  type GeminiContent,
  type GeminiGenerateContentRequest,
  type GeminiGenerationConfig,
  type GeminiRequestPart,
} from './gemini-api';

/** Thinking budgets for `reasoning.effort` on models before Gemini 3, which have no thinking levels. */
export const EFFORT_THINKING_BUDGET = { minimal: 512, low: 1024, medium: 8192, high: 24576 } as const;

/**
 * The canonical request parameters Gemini has no equivalent for, by their
 * OpenAI names: settled by `settleUnsupportedParameters` (a 400, or dropped).
 */
export function unsupportedGeminiParameters(request: ChatRequest): string[] {
  const names: string[] = [];
  // `user` and `metadata` are Switchyard's too (records, analytics, limits): kept there, not refused.
  if (request.parallelToolCalls === false) names.push('parallel_tool_calls');
  return names;
}

/**
 * The canonical request as a `generateContent` body. System messages become
 * `systemInstruction`; assistant turns are `model` contents with their
 * reasoning (thought parts and signatures, see `modelParts`) and function
 * calls; tool results are `functionResponse` parts of a user turn, named
 * after the call they answer; adjacent turns of one role are merged. Tools
 * are declared with their JSON Schema as it is (`parametersJsonSchema`), and
 * so is a `json_schema` response format (`responseJsonSchema`).
 */
export function convertToGeminiRequest(model: string, request: ChatRequest): GeminiGenerateContentRequest {
  const system: string[] = [];
  const contents: GeminiContent[] = [];
  const toolNames = new Map<string, string>();
  request.messages.forEach((message, index) => {
    const param = `messages[${index}]`;
    switch (message.role) {
      case 'system':
        if (message.content !== '') system.push(message.content);
        break;
      case 'user':
        appendTurn(
          contents,
          'user',
          message.content.flatMap((part, partIndex) => userPart(part, `${param}.content[${partIndex}]`)),
        );
        break;
      case 'assistant':
        for (const call of message.toolCalls ?? []) toolNames.set(call.id, call.name);
        appendTurn(contents, 'model', modelParts(model, message, param));
        break;
      case 'tool': {
        const name = toolNames.get(message.toolCallId);
        if (name === undefined) {
          throw invalidRequest(`No assistant tool call has the id '${message.toolCallId}' that this tool message answers.`, `${param}.tool_call_id`);
        }
        appendTurn(contents, 'user', [{ functionResponse: { name, response: functionResponse(message.content) } }]);
        break;
      }
    }
  });

  const body: GeminiGenerateContentRequest = { contents };
  if (system.length > 0) body.systemInstruction = { parts: [{ text: system.join('\n\n') }] };
  if (request.tools && request.tools.length > 0) {
    body.tools = [
      {
        functionDeclarations: request.tools.map((tool) => ({
          name: tool.name,
          ...(tool.description !== undefined && { description: tool.description }),
          parametersJsonSchema: tool.parameters.type === undefined ? { type: 'object', ...tool.parameters } : tool.parameters,
        })),
      },
    ];
    const choice = toolConfig(request.toolChoice);
    if (choice) body.toolConfig = choice;
  } else if (request.toolChoice?.mode === 'tool' || request.toolChoice?.mode === 'required') {
    throw invalidRequest('tool_choice asks for a tool call, but the request declares no tools.', 'tool_choice');
  }
  const generationConfig = generation(model, request);
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  return body;
}

function generation(model: string, request: ChatRequest): GeminiGenerationConfig {
  const { sampling } = request;
  const config: GeminiGenerationConfig = {};
  if (sampling.temperature !== undefined) config.temperature = sampling.temperature;
  if (sampling.topP !== undefined) config.topP = sampling.topP;
  if (sampling.topK !== undefined) config.topK = sampling.topK;
  if (sampling.maxTokens !== undefined) config.maxOutputTokens = sampling.maxTokens;
  if (sampling.n !== undefined && sampling.n !== 1) config.candidateCount = sampling.n;
  if (request.stop && request.stop.length > 0) config.stopSequences = request.stop;
  if (sampling.presencePenalty !== undefined) config.presencePenalty = sampling.presencePenalty;
  if (sampling.frequencyPenalty !== undefined) config.frequencyPenalty = sampling.frequencyPenalty;
  if (request.seed !== undefined) config.seed = request.seed;
  const format = request.responseFormat;
  if (format?.type === 'json_object') config.responseMimeType = 'application/json';
  if (format?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    config.responseJsonSchema = format.schema;
  }
  const thinking = thinkingConfig(model, request.reasoning);
  if (thinking) config.thinkingConfig = thinking;
  return config;
}

/**
 * Thinking as asked for: a budget as `thinkingBudget` (0 turns thinking off
 * where the model allows it); an effort as Gemini 3's `thinkingLevel`, or as
 * a budget for earlier models. Thought summaries are asked for whenever the
 * model thinks, so that clients see the reasoning.
 */
function thinkingConfig(model: string, reasoning: ReasoningOptions | undefined): GeminiGenerationConfig['thinkingConfig'] {
  if (!reasoning) return undefined;
  if (reasoning.budgetTokens !== undefined) {
    return reasoning.budgetTokens > 0 ? { thinkingBudget: reasoning.budgetTokens, includeThoughts: true } : { thinkingBudget: 0 };
  }
  if (reasoning.effort === undefined) return undefined;
  if (isGemini3(model)) return { thinkingLevel: reasoning.effort, includeThoughts: true };
  return { thinkingBudget: EFFORT_THINKING_BUDGET[reasoning.effort], includeThoughts: true };
}

function isGemini3(model: string): boolean {
  return /^(models\/)?gemini-3([.-]|$)/.test(model);
}

function toolConfig(choice: ToolChoice | undefined): GeminiGenerateContentRequest['toolConfig'] {
  switch (choice?.mode) {
    case undefined:
      return undefined;
    case 'auto':
      return { functionCallingConfig: { mode: 'AUTO' } };
    case 'required':
      return { functionCallingConfig: { mode: 'ANY' } };
    case 'none':
      return { functionCallingConfig: { mode: 'NONE' } };
    case 'tool':
      return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.toolName] } };
  }
}

function appendTurn(contents: GeminiContent[], role: GeminiContent['role'], parts: GeminiRequestPart[]): void {
  if (parts.length === 0) return;
  const last = contents[contents.length - 1];
  if (last?.role === role) last.parts.push(...parts);
  else contents.push({ role, parts });
}

function userPart(part: ContentPart, param: string): GeminiRequestPart[] {
  if (part.type === 'text') return part.text === '' ? [] : [{ text: part.text }];
  if (part.url.startsWith('data:')) {
    const header = /^data:([^;,]+)[^,]*;base64,/.exec(part.url);
    if (!header) throw invalidRequest('An image data URL must be base64: data:<media type>;base64,<data>.', param);
    return [{ inlineData: { mimeType: header[1], data: part.url.slice(header[0].length) } }];
  }
  if (/^(https?|gs):\/\//.test(part.url)) return [{ fileData: { mimeType: mediaTypeOf(part.url), fileUri: part.url } }];
  throw invalidRequest('An image URL must be an http(s) or gs:// URL, or a base64 data URL.', param);
}

const MEDIA_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
};

/** `fileData` needs a media type; a URL's extension names it, and an image without one is taken as JPEG. */
function mediaTypeOf(url: string): string {
  const extension = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(new URL(url).pathname)?.[1]?.toLowerCase();
  return (extension && MEDIA_TYPES[extension]) ?? 'image/jpeg';
}

/**
 * An assistant turn as `model` parts. Its reasoning blocks come back as
 * thought parts, each with its signature, except the last signed one: Gemini
 * signs a turn's last step on the part that ends it, the first function call
 * (or the last text part of an answer without calls), and that is where its
 * signature is put back (https://ai.google.dev/gemini-api/docs/thought-signatures).
 * A Gemini 3 function call with no signature at all (a client that dropped
 * it, a history from another model) gets Google's documented skip value.
 */
function modelParts(model: string, message: AssistantMessage, param: string): GeminiRequestPart[] {
  const blocks = (message.reasoningBlocks ?? []).flatMap((block) => (block.type === 'thinking' ? [block] : []));
  let lastSigned = -1;
  blocks.forEach((block, index) => {
    if (block.signature) lastSigned = index;
  });
  const parts: GeminiRequestPart[] = [];
  blocks.forEach((block, index) => {
    if (block.text === '' && index !== lastSigned && block.signature) {
      parts.push({ text: '', thought: true, thoughtSignature: block.signature });
      return;
    }
    if (block.text === '') return;
    parts.push({ text: block.text, thought: true, ...(block.signature && index !== lastSigned && { thoughtSignature: block.signature }) });
  });
  const finalSignature = lastSigned === -1 ? undefined : blocks[lastSigned].signature;

  const texts: GeminiRequestPart[] = [];
  for (const part of message.content) if (part.text !== '') texts.push({ text: part.text });
  const calls = (message.toolCalls ?? []).map((call, callIndex) => functionCallPart(call, `${param}.tool_calls[${callIndex}]`));
  if (calls.length > 0) {
    const signature = finalSignature ?? (isGemini3(model) ? SKIP_THOUGHT_SIGNATURE : undefined);
    if (signature !== undefined) calls[0] = { ...calls[0], thoughtSignature: signature };
  } else if (finalSignature !== undefined) {
    if (texts.length > 0) texts[texts.length - 1] = { ...texts[texts.length - 1], thoughtSignature: finalSignature };
    else parts.push({ text: '', thought: true, thoughtSignature: finalSignature });
  }
  return [...parts, ...texts, ...calls];
}

function functionCallPart(call: ToolCall, param: string): GeminiRequestPart {
  let args: unknown = {};
  if (call.arguments.trim() !== '') {
    try {
      args = JSON.parse(call.arguments);
    } catch {
      args = undefined;
    }
  }
  if (args === null || typeof args !== 'object' || Array.isArray(args)) {
    throw invalidRequest('The arguments of a tool call must be a JSON object.', `${param}.function.arguments`);
  }
  return { functionCall: { name: call.name, args: args as Record<string, unknown> } };
}

/**
 * A tool result as a `functionResponse.response`, which must be an object: a
 * JSON object result is sent as it is, anything else under `output`, the key
 * Google's documentation suggests.
 */
function functionResponse(content: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(content);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Plain text.
  }
  return { output: content };
}
