import type { ChatRequest } from '@switchyard/shared';
import { exactKey, promptText, semanticScope, stableJson } from './cache-key';
import { chatRequest } from './__fixtures__/plugin-context-for-tests';

describe('exactKey', () => {
  const base = chatRequest('What is the capital of France?');
  const key = exactKey('default', '', base);

  it('is the same for the same request, whether streamed or not, and whoever the end user is', () => {
    expect(exactKey('default', '', chatRequest('What is the capital of France?'))).toBe(key);
    expect(exactKey('default', '', { ...base, stream: true, includeUsage: true, user: 'u-1', metadata: { trace: 'x' } })).toBe(key);
  });

  it('separates workspaces and namespaces', () => {
    expect(exactKey('other', '', base)).not.toBe(key);
    expect(exactKey('default', 'team-a', base)).not.toBe(key);
  });

  const changes: Array<[string, Partial<ChatRequest>]> = [
    ['the model', { model: 'gpt-4o' }],
    ['the system prompt', { messages: [{ role: 'system', content: 'You are verbose.' }, base.messages[1]] }],
    ['the prompt', { messages: [base.messages[0], { role: 'user', content: [{ type: 'text', text: 'What is the capital of Spain?' }] }] }],
    ['the tools', { tools: [{ name: 'lookup', parameters: { type: 'object' } }] }],
    ['the tool choice', { toolChoice: { mode: 'required' } }],
    ['the response format', { responseFormat: { type: 'json_object' } }],
    ['the temperature', { sampling: { temperature: 0.7 } }],
    ['top_p', { sampling: { temperature: 0, topP: 0.5 } }],
    ['max tokens', { sampling: { temperature: 0, maxTokens: 10 } }],
    ['n', { sampling: { temperature: 0, n: 2 } }],
    ['stop sequences', { stop: ['\n'] }],
    ['the seed', { seed: 7 }],
    ['the reasoning effort', { reasoning: { effort: 'high' } }],
    ['extra body fields', { extraBody: { logit_bias: { '50256': -100 } } }],
  ];
  it.each(changes)('changes with %s', (_, change) => {
    expect(exactKey('default', '', { ...base, ...change })).not.toBe(key);
  });

  it('does not depend on the key order of objects (a tool schema written differently)', () => {
    const first = { ...base, tools: [{ name: 't', parameters: { type: 'object', properties: { a: { type: 'string' } } } }] };
    const second = { ...base, tools: [{ parameters: { properties: { a: { type: 'string' } }, type: 'object' }, name: 't' }] };
    expect(exactKey('default', '', first)).toBe(exactKey('default', '', second));
  });
});

describe('semanticScope', () => {
  it('is shared by requests that differ only in the last user turn', () => {
    expect(semanticScope(chatRequest('How do I reset my password?'))).toBe(semanticScope(chatRequest('I forgot my password, how to reset it?')));
  });

  it('changes with the system prompt, the earlier turns, the model and the sampling parameters', () => {
    const scope = semanticScope(chatRequest('hello'));
    const base = chatRequest('hello');
    expect(semanticScope({ ...base, messages: [{ role: 'system', content: 'Be kind.' }, base.messages[1]] })).not.toBe(scope);
    expect(
      semanticScope({
        ...base,
        messages: [
          base.messages[0],
          { role: 'user', content: [{ type: 'text', text: 'earlier' }] },
          { role: 'assistant', content: [{ type: 'text', text: 'answer' }] },
          base.messages[1],
        ],
      }),
    ).not.toBe(scope);
    expect(semanticScope({ ...base, model: 'gpt-4o' })).not.toBe(scope);
    expect(semanticScope({ ...base, sampling: { temperature: 1 } })).not.toBe(scope);
  });

  it('is null when the last turn is not plain user text', () => {
    const base = chatRequest('hello');
    expect(semanticScope({ ...base, messages: [...base.messages, { role: 'assistant', content: [{ type: 'text', text: 'hi' }] }] })).toBeNull();
    const image = {
      role: 'user' as const,
      content: [
        { type: 'text' as const, text: 'what is this?' },
        { type: 'image' as const, url: 'https://example.com/a.png' },
      ],
    };
    expect(semanticScope({ ...base, messages: [image] })).toBeNull();
    expect(semanticScope({ ...base, messages: [{ role: 'user', content: [{ type: 'text', text: '   ' }] }] })).toBeNull();
  });
});

describe('promptText', () => {
  it('joins the text parts of the last user turn', () => {
    const request = chatRequest('unused', {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'one' },
            { type: 'text', text: 'two' },
          ],
        },
      ],
    });
    expect(promptText(request)).toBe('one\ntwo');
  });
});

describe('stableJson', () => {
  it('sorts keys at every depth and leaves out undefined members', () => {
    expect(stableJson({ b: 1, a: { d: [1, { f: 2, e: undefined }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"f":2}]},"b":1}');
  });
});
