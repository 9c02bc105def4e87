import type { ChatRequest } from '@switchyard/shared';
import { convertToCohereRequest } from './convert-to-cohere-request';

const base: ChatRequest = {
  model: 'command',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
  sampling: {},
  stream: false,
  includeUsage: false,
};
const strict = { dropAllowed: false, stream: false };
const weather = { name: 'weather', parameters: { type: 'object' } };
const time = { name: 'time', parameters: { type: 'object' }, strict: true };

describe('convertToCohereRequest', () => {
  it('sends a lone text part as a string and says whether it streams', () => {
    expect(convertToCohereRequest('cohere', 'command-a', base, { dropAllowed: false, stream: true })).toEqual({
      body: { model: 'command-a', messages: [{ role: 'user', content: 'Hi' }], stream: true },
      droppedParams: [],
    });
  });

  it('maps tool choices: required and a named tool are REQUIRED (the named one alone), none is NONE, auto is absent', () => {
    const tools = [weather, time];
    const convert = (toolChoice: ChatRequest['toolChoice']) => convertToCohereRequest('cohere', 'c', { ...base, tools, toolChoice }, strict).body;
    expect(convert({ mode: 'auto' })).not.toHaveProperty('tool_choice');
    expect(convert({ mode: 'required' })).toMatchObject({ tool_choice: 'REQUIRED', strict_tools: true });
    expect(convert({ mode: 'none' }).tool_choice).toBe('NONE');
    const named = convert({ mode: 'tool', toolName: 'weather' });
    expect(named.tool_choice).toBe('REQUIRED');
    expect(named.tools).toEqual([{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }]);
    expect(() => convert({ mode: 'tool', toolName: 'nope' })).toThrow(expect.objectContaining({ status: 400, param: 'tool_choice' }));
  });

  it('turns reasoning options into thinking: a budget, a level, or off', () => {
    const thinking = (reasoning: ChatRequest['reasoning']) => convertToCohereRequest('cohere', 'c', { ...base, reasoning }, strict).body.thinking;
    expect(thinking({ budgetTokens: 2000 })).toEqual({ type: 'enabled', token_budget: 2000 });
    expect(thinking({ budgetTokens: 0 })).toEqual({ type: 'disabled' });
    expect(thinking({ effort: 'high' })).toEqual({ type: 'enabled', token_budget: 16384 });
    expect(thinking({})).toBeUndefined();
  });

  it('sends assistant turns back with thinking content, text and the tool plan', () => {
    const request: ChatRequest = {
      ...base,
      messages: [
        {
          role: 'assistant',
          content: [{ type: 'text', text: 'Checking.' }],
          reasoningBlocks: [{ type: 'thinking', text: 'I should check.' }],
          toolCalls: [{ id: 'w_1', name: 'weather', arguments: '{}' }],
        },
        { role: 'assistant', content: [], reasoning: 'I will use weather.', toolCalls: [{ id: 'w_2', name: 'weather', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'w_2', content: 'sunny' },
      ],
    };
    expect(convertToCohereRequest('cohere', 'c', request, strict).body.messages).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'I should check.' },
          { type: 'text', text: 'Checking.' },
        ],
        tool_calls: [{ id: 'w_1', type: 'function', function: { name: 'weather', arguments: '{}' } }],
      },
      {
        role: 'assistant',
        tool_plan: 'I will use weather.',
        tool_calls: [{ id: 'w_2', type: 'function', function: { name: 'weather', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'w_2', content: 'sunny' },
    ]);
  });

  it('rejects an image that is neither a URL nor a data URL', () => {
    const request: ChatRequest = {
      ...base,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'image', url: 'file:///etc/passwd' },
          ],
        },
      ],
    };
    expect(() => convertToCohereRequest('cohere', 'c', request, strict)).toThrow(
      expect.objectContaining({ status: 400, param: 'messages[0].content[1]' }),
    );
  });

  it('answers 400 naming what Cohere cannot honour, or drops and reports it when allowed', () => {
    const request: ChatRequest = { ...base, sampling: { n: 2 }, user: 'u1', extraBody: { logit_bias: { 1: 2 } } };
    expect(() => convertToCohereRequest('cohere', 'c', request, strict)).toThrow(
      expect.objectContaining({ status: 400, param: 'n', code: 'unsupported_parameter', message: expect.stringContaining('cohere') }),
    );
    const { body, droppedParams } = convertToCohereRequest('cohere', 'c', request, { dropAllowed: true, stream: false });
    expect(droppedParams).toEqual(['n', 'logit_bias']);
    expect(body).not.toHaveProperty('logit_bias');
    expect(convertToCohereRequest('cohere', 'c', { ...request, dropUnsupportedParams: true }, strict).droppedParams).toHaveLength(2);
  });

  it("passes Cohere's own fields and provider options through", () => {
    const request: ChatRequest = {
      ...base,
      extraBody: { safety_mode: 'STRICT', documents: ['doc'] },
      providerOptions: { cohere: { priority: 1 }, 'my-cohere': { citation_options: { mode: 'FAST' } }, anthropic: { ignored: true } },
    };
    const { body, droppedParams } = convertToCohereRequest('my-cohere', 'c', request, strict);
    expect(droppedParams).toEqual([]);
    expect(body).toMatchObject({ safety_mode: 'STRICT', documents: ['doc'], priority: 1, citation_options: { mode: 'FAST' } });
    expect(body).not.toHaveProperty('ignored');
  });
});
