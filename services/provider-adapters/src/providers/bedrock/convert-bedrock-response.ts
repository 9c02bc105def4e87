import { providerBadResponse, type ChatResponse, type ReasoningBlock, type ResponseMessage, type ToolCall } from '@switchyard/shared';
import { bedrockConverseResponseSchema, describeSchemaError } from './bedrock-api';
import { convertBedrockUsage } from './convert-bedrock-usage';
import { mapBedrockStopReason } from './map-bedrock-stop-reason';

/**
 * A Converse body as the canonical response: text blocks joined into
 * `content` (null when there is none), reasoning into `reasoning` and, block
 * by block with signatures and redacted data, into `reasoningBlocks`;
 * `toolUse` blocks into tool calls. Converse has no response id or model
 * name: the id is made here and the model is the one asked for.
 */
export function convertBedrockResponse(
  providerId: string,
  model: string,
  id: string,
  bodyText: string,
  created = Math.floor(Date.now() / 1000),
): ChatResponse {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    throw providerBadResponse(providerId, `the body is not JSON: ${bodyText.slice(0, 200)}`);
  }
  const parsed = bedrockConverseResponseSchema.safeParse(json);
  if (!parsed.success) throw providerBadResponse(providerId, describeSchemaError(parsed.error));
  const response = parsed.data;

  const texts: string[] = [];
  const thoughts: string[] = [];
  const reasoningBlocks: ReasoningBlock[] = [];
  const toolCalls: ToolCall[] = [];
  for (const block of response.output.message?.content ?? []) {
    if (block.text != null) texts.push(block.text);
    if (block.toolUse)
      toolCalls.push({ id: block.toolUse.toolUseId, name: block.toolUse.name, arguments: JSON.stringify(block.toolUse.input ?? {}) });
    const reasoning = block.reasoningContent;
    if (reasoning?.reasoningText) {
      const text = reasoning.reasoningText.text ?? '';
      thoughts.push(text);
      const signature = reasoning.reasoningText.signature;
      reasoningBlocks.push(signature == null ? { type: 'thinking', text } : { type: 'thinking', text, signature });
    } else if (reasoning?.redactedContent != null) {
      reasoningBlocks.push({ type: 'redacted', data: reasoning.redactedContent });
    }
  }

  const reply: ResponseMessage = { content: texts.length > 0 ? texts.join('') : null };
  if (toolCalls.length > 0) reply.toolCalls = toolCalls;
  if (thoughts.length > 0) reply.reasoning = thoughts.join('');
  if (reasoningBlocks.length > 0) reply.reasoningBlocks = reasoningBlocks;
  const result: ChatResponse = {
    id,
    model,
    created,
    choices: [{ index: 0, message: reply, finishReason: mapBedrockStopReason(response.stopReason) }],
  };
  if (response.usage) result.usage = convertBedrockUsage(response.usage);
  return result;
}
