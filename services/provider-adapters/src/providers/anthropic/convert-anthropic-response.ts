import { providerBadResponse, type ChatResponse, type ReasoningBlock, type ResponseMessage, type ToolCall } from '@switchyard/shared';
import { anthropicMessageSchema, describeSchemaError } from './anthropic-api';
import { convertAnthropicUsage } from './convert-anthropic-usage';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason';

/**
 * A non-streaming Messages API body as the canonical response: text blocks
 * joined into `content` (null when there is none), thinking blocks into
 * `reasoning`, `tool_use` blocks into tool calls. Thinking and redacted
 * thinking blocks are also kept whole, signatures included, in
 * `reasoningBlocks`: the next turn must send them back unchanged. Server tool
 * blocks are not part of an OpenAI-style answer and are left out.
 */
export function convertAnthropicResponse(providerId: string, bodyText: string, created = Math.floor(Date.now() / 1000)): ChatResponse {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    throw providerBadResponse(providerId, `the body is not JSON: ${bodyText.slice(0, 200)}`);
  }
  const parsed = anthropicMessageSchema.safeParse(json);
  if (!parsed.success) throw providerBadResponse(providerId, describeSchemaError(parsed.error));
  const message = parsed.data;

  const texts: string[] = [];
  const thoughts: string[] = [];
  const reasoningBlocks: ReasoningBlock[] = [];
  const toolCalls: ToolCall[] = [];
  for (const block of message.content) {
    if (block.type === 'text') texts.push(block.text);
    else if (block.type === 'thinking') {
      thoughts.push(block.thinking);
      reasoningBlocks.push({ type: 'thinking', text: block.thinking, ...(block.signature ? { signature: block.signature } : {}) });
    } else if (block.type === 'redacted_thinking') reasoningBlocks.push({ type: 'redacted', data: block.data });
    else if (block.type === 'tool_use') toolCalls.push({ id: block.id, name: block.name, arguments: JSON.stringify(block.input ?? {}) });
  }

  const reply: ResponseMessage = { content: texts.length > 0 ? texts.join('') : null };
  if (toolCalls.length > 0) reply.toolCalls = toolCalls;
  if (thoughts.length > 0) reply.reasoning = thoughts.join('');
  if (reasoningBlocks.length > 0) reply.reasoningBlocks = reasoningBlocks;
  const explanation = message.stop_details?.explanation;
  if (message.stop_reason === 'refusal' && explanation) reply.refusal = explanation;
  return {
    id: message.id,
    model: message.model,
    created,
    choices: [{ index: 0, message: reply, finishReason: mapAnthropicStopReason(message.stop_reason) }],
    usage: convertAnthropicUsage(message.usage),
  };
}
