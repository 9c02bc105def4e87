import type { ChatResponse, StreamPart } from '@switchyard/shared';

/** Characters of text per replayed delta: small enough to look like a stream, few enough to cost little. */
const REPLAY_CHUNK_CHARS = 64;

/**
 * A whole answer as the parts of a stream, in the order a provider sends
 * them: start, each choice's reasoning, text, refusal and tool calls (text
 * cut into deltas), a finish per choice, then the usage. This is how a
 * plugin's answer (a cache hit) reaches a client that asked for `stream: true`.
 */
export function streamPartsOf(response: ChatResponse): StreamPart[] {
  const parts: StreamPart[] = [
    {
      type: 'response-start',
      id: response.id,
      model: response.model,
      created: response.created,
      ...(response.systemFingerprint !== undefined && { systemFingerprint: response.systemFingerprint }),
      ...(response.serviceTier !== undefined && { serviceTier: response.serviceTier }),
    },
  ];
  for (const choice of response.choices) {
    const { message, index } = choice;
    if (message.reasoningBlocks && message.reasoningBlocks.length > 0) {
      for (const block of message.reasoningBlocks) {
        if (block.type === 'redacted') {
          parts.push({ type: 'redacted-reasoning', choice: index, data: block.data });
          continue;
        }
        for (const text of chunks(block.text)) parts.push({ type: 'reasoning-delta', choice: index, text });
        if (block.signature !== undefined) parts.push({ type: 'reasoning-signature', choice: index, signature: block.signature });
      }
    } else if (message.reasoning) {
      for (const text of chunks(message.reasoning)) parts.push({ type: 'reasoning-delta', choice: index, text });
    }
    if (message.content) {
      const texts = chunks(message.content);
      texts.forEach((text, position) =>
        // OpenAI's logprobs belong to the choice as a whole: they ride on its first delta.
        parts.push({ type: 'text-delta', choice: index, text, ...(position === 0 && choice.logprobs && { logprobs: choice.logprobs }) }),
      );
    }
    if (message.refusal) for (const text of chunks(message.refusal)) parts.push({ type: 'refusal-delta', choice: index, text });
    message.toolCalls?.forEach((call, callIndex) => {
      parts.push({ type: 'tool-call-start', choice: index, index: callIndex, id: call.id, name: call.name });
      if (call.arguments) parts.push({ type: 'tool-call-delta', choice: index, index: callIndex, argumentsDelta: call.arguments });
    });
    parts.push({ type: 'finish', choice: index, finishReason: choice.finishReason });
  }
  if (response.usage) parts.push({ type: 'usage', usage: response.usage });
  return parts;
}

/** `text` in pieces of at most REPLAY_CHUNK_CHARS, never splitting a surrogate pair. */
function chunks(text: string): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + REPLAY_CHUNK_CHARS, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}
