import type { ChatMessage, ChatRequest } from '@switchyard/shared';

/** The text of a message (its text parts joined; images and tool calls leave none). */
export function messageText(message: ChatMessage): string {
  if (typeof message.content === 'string') return message.content;
  return message.content
    .map((part) => (part.type === 'text' ? part.text : ''))
    .filter((text) => text.length > 0)
    .join('\n');
}

/** The text of the request's last user message: what the client is asking now ('' when it has none). */
export function lastUserText(request: ChatRequest): string {
  for (let index = request.messages.length - 1; index >= 0; index--) {
    const message = request.messages[index];
    if (message.role === 'user') return messageText(message).trim();
  }
  return '';
}
