import type { ChatMessage, ChatRequest } from '@switchyard/shared';
import { messageText } from '../prompt-text';

/** One user message and the assistant's answer to it: the unit memory stores and recalls. */
export interface Exchange {
  user: string;
  assistant: string;
}

/** The request split into its leading system messages and the conversation after them. */
export interface SplitConversation {
  system: ChatMessage[];
  conversation: ChatMessage[];
}

export function splitConversation(request: ChatRequest): SplitConversation {
  let start = 0;
  while (start < request.messages.length && request.messages[start].role === 'system') start++;
  return { system: request.messages.slice(0, start), conversation: request.messages.slice(start) };
}

/**
 * Where to cut a conversation so that about `keep` messages remain: at the
 * first user message inside the last `keep`, or, if there is none, at the
 * last user message before them, so a tool call is never separated from its
 * result. 0 when nothing is to be cut.
 */
export function cutIndex(conversation: readonly ChatMessage[], keep: number): number {
  if (conversation.length <= keep) return 0;
  const windowStart = conversation.length - keep;
  for (let index = windowStart; index < conversation.length; index++) if (conversation[index].role === 'user') return index;
  for (let index = windowStart - 1; index > 0; index--) if (conversation[index].role === 'user') return index;
  return 0;
}

/** The exchanges of a run of messages: each user message with the assistant text that follows it (tool traffic left out). */
export function exchangesOf(messages: readonly ChatMessage[]): Exchange[] {
  const exchanges: Exchange[] = [];
  let current: Exchange | undefined;
  for (const message of messages) {
    if (message.role === 'user') {
      if (current) exchanges.push(current);
      current = { user: messageText(message).trim(), assistant: '' };
    } else if (message.role === 'assistant' && current) {
      const text = messageText(message).trim();
      if (text !== '') current.assistant = current.assistant === '' ? text : `${current.assistant}\n${text}`;
    }
  }
  if (current) exchanges.push(current);
  return exchanges.filter((exchange) => exchange.user !== '' && exchange.assistant !== '');
}

/** The system note that gives recalled exchanges back to the model, oldest first, cut to `maxChars`. */
export function recallNote(exchanges: readonly Exchange[], maxChars: number): string {
  const heading = 'Earlier in this conversation (recalled by relevance; the messages below continue it):';
  let note = heading;
  for (const exchange of exchanges) {
    const block = `\n\nUser: ${exchange.user}\nAssistant: ${exchange.assistant}`;
    if (note.length + block.length > maxChars) {
      const room = maxChars - note.length - 1;
      if (room > 40) note += `${block.slice(0, room)}…`;
      break;
    }
    note += block;
  }
  return note;
}
