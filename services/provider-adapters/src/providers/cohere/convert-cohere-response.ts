import { providerBadResponse, type ChatResponse, type ResponseMessage, type ToolCall } from '@switchyard/shared';
import { cohereChatResponseSchema, describeSchemaError } from './cohere-api';
import { convertCohereUsage } from './convert-cohere-usage';
import { mapCohereFinishReason } from './map-cohere-finish-reason';

/**
 * A v2 Chat response body as the canonical response: text items joined into
 * `content` (null when there is none), `thinking` items and the `tool_plan`
 * (the model's stated plan before its tool calls) into `reasoning`, tool calls
 * kept. Cohere names no model in its answer, so the one asked for is named.
 * Citations have no place in an OpenAI-style answer and are left out.
 */
export function convertCohereResponse(providerId: string, model: string, bodyText: string, created = Math.floor(Date.now() / 1000)): ChatResponse {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    throw providerBadResponse(providerId, `the body is not JSON: ${bodyText.slice(0, 200)}`);
  }
  const parsed = cohereChatResponseSchema.safeParse(json);
  if (!parsed.success) throw providerBadResponse(providerId, describeSchemaError(parsed.error));
  const { id, message, finish_reason: finishReason, usage } = parsed.data;

  const texts: string[] = [];
  const thoughts: string[] = [];
  for (const item of message.content ?? []) {
    if (item.type === 'text') texts.push(item.text);
    else if (item.type === 'thinking') thoughts.push(item.thinking);
  }
  if (message.tool_plan) thoughts.push(message.tool_plan);
  const toolCalls: ToolCall[] = (message.tool_calls ?? []).map((call, index) => {
    const name = call.function?.name;
    if (!name) throw providerBadResponse(providerId, `message.tool_calls.${index}: the call names no function`);
    return { id: call.id || `call_${index}`, name, arguments: toolArguments(call.function?.arguments) };
  });

  const reply: ResponseMessage = { content: texts.length > 0 ? texts.join('') : null };
  if (toolCalls.length > 0) reply.toolCalls = toolCalls;
  if (thoughts.length > 0) reply.reasoning = thoughts.join('');
  const response: ChatResponse = {
    id,
    model,
    created,
    choices: [{ index: 0, message: reply, finishReason: mapCohereFinishReason(finishReason) }],
  };
  const converted = convertCohereUsage(usage);
  if (converted) response.usage = converted;
  return response;
}

/**
 * A call's arguments; Cohere sends `"null"` or nothing for a function without
 * parameters, which OpenAI clients would fail to read as an arguments object.
 */
export function toolArguments(text: string | null | undefined): string {
  return text == null || text.trim() === '' || text.trim() === 'null' ? '{}' : text;
}
