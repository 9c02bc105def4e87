import type { ChatRequest, Usage } from '@switchyard/shared';

/**
 * Token counts guessed from text, for a stream cut before the provider
 * reported its usage (the client went away, the gateway shut down, the
 * upstream failed): without a guess such a request would be recorded, and
 * costed, as if nothing had been generated.
 *
 * The estimator is deliberately simple and cheap — no tokenizer, which
 * would differ per provider anyway: one token per 4 ASCII characters (the
 * usual figure for English text and code with GPT and Claude tokenizers)
 * and one per 2 other characters (accented letters, Cyrillic, CJK, which
 * tokenizers split finer). A prompt adds 4 tokens per message (role and
 * framing, as OpenAI counts them), 85 per image (OpenAI's low-detail price)
 * and its tools' definitions as JSON text. Records built on it say
 * `usage_estimated: true`.
 */

const ASCII_CHARACTERS_PER_TOKEN = 4;
const OTHER_CHARACTERS_PER_TOKEN = 2;
const TOKENS_PER_MESSAGE = 4;
const TOKENS_PER_IMAGE = 85;

/** Counts the characters of text as it streams, to estimate its tokens at the end. */
export class TextTokenEstimate {
  private ascii = 0;
  private other = 0;

  add(text: string): void {
    let ascii = 0;
    for (let index = 0; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (code < 0x80) ascii++;
      // The second half of a surrogate pair is the same character.
      else if (code < 0xdc00 || code > 0xdfff) this.other++;
    }
    this.ascii += ascii;
  }

  /** True until some text was added. */
  get empty(): boolean {
    return this.ascii === 0 && this.other === 0;
  }

  get tokens(): number {
    return Math.ceil(this.ascii / ASCII_CHARACTERS_PER_TOKEN + this.other / OTHER_CHARACTERS_PER_TOKEN);
  }
}

/** The estimated input tokens of a chat request. */
export function estimatePromptTokens(request: ChatRequest): number {
  const text = new TextTokenEstimate();
  let fixed = 0;
  for (const message of request.messages) {
    fixed += TOKENS_PER_MESSAGE;
    switch (message.role) {
      case 'system':
      case 'tool':
        text.add(message.content);
        break;
      case 'user':
        for (const part of message.content) {
          if (part.type === 'text') text.add(part.text);
          else fixed += TOKENS_PER_IMAGE;
        }
        break;
      case 'assistant':
        for (const part of message.content) text.add(part.text);
        for (const call of message.toolCalls ?? []) text.add(call.name + call.arguments);
        break;
    }
  }
  for (const tool of request.tools ?? []) {
    text.add(tool.name);
    if (tool.description) text.add(tool.description);
    text.add(jsonText(tool.parameters));
  }
  return fixed + text.tokens;
}

/** Usage estimated from a prompt and the output streamed so far. */
export function estimateUsage(prompt: ChatRequest | undefined, output: TextTokenEstimate): Usage {
  return { inputTokens: prompt ? estimatePromptTokens(prompt) : 0, outputTokens: output.tokens };
}

/** A schema too deep to serialise counts for nothing rather than failing the record. */
function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}
