import type { ChatResponse, FinishReason, Usage } from '@switchyard/shared';
import { newItemId, type ResponseItem } from './parse-responses-request';
import type { ResponsesRequestBody } from './responses-request-schema';

/** What a response object says of the request that made it, beside what the model answered. */
export interface ResponseEnvelope {
  /** `resp_…`: Switchyard's id, under which the response is stored. */
  id: string;
  /** Unix seconds. */
  createdAt: number;
  body: ResponsesRequestBody;
  store: boolean;
}

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

/** OpenAI's `Response` object around `output`, as the API documents its fields. */
export function responseObject(
  envelope: ResponseEnvelope,
  fields: { model: string; status: ResponseStatus; output: ResponseItem[]; usage?: Usage; finishReason?: FinishReason },
): Record<string, unknown> {
  const { body } = envelope;
  const incomplete =
    fields.status === 'incomplete' ? { reason: fields.finishReason === 'content_filter' ? 'content_filter' : 'max_output_tokens' } : null;
  return {
    id: envelope.id,
    object: 'response',
    created_at: envelope.createdAt,
    status: fields.status,
    error: null,
    incomplete_details: incomplete,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: fields.model,
    output: fields.output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: body.reasoning?.effort ?? null, summary: body.reasoning?.summary ?? null },
    store: envelope.store,
    temperature: body.temperature ?? 1,
    text: { format: body.text?.format ?? { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: (body.tools ?? []).map((tool) => ({ strict: null, description: null, parameters: null, ...tool })),
    top_p: body.top_p ?? 1,
    truncation: 'disabled',
    usage: fields.usage ? toResponsesUsage(fields.usage) : null,
    user: body.user ?? null,
    metadata: body.metadata ?? {},
  };
}

/** Usage as the Responses API reports it: cached input and reasoning output broken out. */
export function toResponsesUsage(usage: Usage): Record<string, unknown> {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cachedInputTokens ?? 0 },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

/** A turn that ended on its length or the content filter is `incomplete`; any other, `completed`. */
export function statusOf(reason: FinishReason | undefined): ResponseStatus {
  return reason === 'length' || reason === 'content_filter' ? 'incomplete' : 'completed';
}

/** The answer's output items, in the order a Responses model emits them: reasoning, message, function calls. */
export function outputItemsOf(response: ChatResponse): ResponseItem[] {
  const message = response.choices[0]?.message;
  const items: ResponseItem[] = [];
  if (!message) return items;
  if (message.reasoning) {
    items.push({ type: 'reasoning', id: newItemId('rs'), summary: [{ type: 'summary_text', text: message.reasoning }] });
  }
  const content: Record<string, unknown>[] = [];
  if (message.content) content.push({ type: 'output_text', text: message.content, annotations: [] });
  if (message.refusal) content.push({ type: 'refusal', refusal: message.refusal });
  if (content.length > 0) items.push({ type: 'message', id: newItemId('msg'), status: 'completed', role: 'assistant', content });
  for (const call of message.toolCalls ?? []) {
    items.push({ type: 'function_call', id: newItemId('fc'), call_id: call.id, name: call.name, arguments: call.arguments, status: 'completed' });
  }
  return items;
}

/** The canonical answer as a Responses API `Response`. */
export function formatResponse(response: ChatResponse, envelope: ResponseEnvelope): Record<string, unknown> {
  const finishReason = response.choices[0]?.finishReason;
  return responseObject(envelope, {
    model: response.model,
    status: statusOf(finishReason),
    output: outputItemsOf(response),
    usage: response.usage,
    finishReason,
  });
}
