import type { ChatMessage } from '@switchyard/shared';
import { cutIndex, exchangesOf, recallNote, splitConversation } from './conversation';

const user = (text: string): ChatMessage => ({ role: 'user', content: [{ type: 'text', text }] });
const assistant = (text: string): ChatMessage => ({ role: 'assistant', content: [{ type: 'text', text }] });
const toolCall: ChatMessage = { role: 'assistant', content: [], toolCalls: [{ id: 'call_1', name: 'lookup', arguments: '{}' }] };
const toolResult: ChatMessage = { role: 'tool', toolCallId: 'call_1', content: '{"ok":true}' };

describe('conversation', () => {
  it('splits off the leading system messages only', () => {
    const messages: ChatMessage[] = [{ role: 'system', content: 'be brief' }, user('a'), { role: 'system', content: 'later' }];
    const split = splitConversation({ model: 'm', messages, sampling: {}, stream: false, includeUsage: false });
    expect(split.system).toEqual([messages[0]]);
    expect(split.conversation).toEqual(messages.slice(1));
  });

  it('cuts at a user message inside the window, never between a tool call and its result', () => {
    const conversation = [user('1'), assistant('1'), user('2'), toolCall, toolResult, assistant('2'), user('3')];
    expect(cutIndex(conversation, 10)).toBe(0);
    expect(cutIndex(conversation, 3)).toBe(6);
    expect(cutIndex(conversation, 4)).toBe(6);
    expect(cutIndex(conversation, 5)).toBe(2);
    expect(cutIndex(conversation, 6)).toBe(2);
    // No user message inside the last two: the cut goes back to the one before them.
    expect(cutIndex([user('1'), assistant('1'), user('2'), toolCall, toolResult], 2)).toBe(2);
    expect(cutIndex([toolCall, toolResult, assistant('x')], 2)).toBe(0);
  });

  it('pairs each user message with the assistant text after it, leaving tool traffic and unanswered turns out', () => {
    const conversation = [
      assistant('hello'),
      user('1'),
      assistant('one'),
      user('2'),
      toolCall,
      toolResult,
      assistant('two'),
      assistant('more'),
      user('3'),
    ];
    expect(exchangesOf(conversation)).toEqual([
      { user: '1', assistant: 'one' },
      { user: '2', assistant: 'two\nmore' },
    ]);
  });

  it('writes the note oldest first and cuts it to the limit', () => {
    const exchanges = [
      { user: 'my name is Ana', assistant: 'Nice to meet you, Ana.' },
      { user: 'x'.repeat(500), assistant: 'long' },
    ];
    const note = recallNote(exchanges, 300);
    expect(note.startsWith('Earlier in this conversation')).toBe(true);
    expect(note).toContain('User: my name is Ana\nAssistant: Nice to meet you, Ana.');
    expect(note.length).toBeLessThanOrEqual(300);
    expect(note.endsWith('…')).toBe(true);
  });
});
