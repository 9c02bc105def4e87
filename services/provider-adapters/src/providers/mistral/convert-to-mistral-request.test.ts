import type { ChatRequest } from '@switchyard/shared';
import { convertToMistralRequest, mistralToolCallId } from './convert-to-mistral-request';

const base: ChatRequest = {
  model: 'mistral',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
  sampling: {},
  stream: false,
  includeUsage: false,
};
const strict = { dropAllowed: false, stream: false };

describe('mistralToolCallId', () => {
  it("keeps Mistral's own 9-character ids and derives stable ones for others", () => {
    expect(mistralToolCallId('gSIMJiOkT')).toBe('gSIMJiOkT');
    const derived = mistralToolCallId('call_abc123');
    expect(derived).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(mistralToolCallId('call_abc123')).toBe(derived);
    expect(mistralToolCallId('call_abc124')).not.toBe(derived);
    expect(mistralToolCallId('toolu_01A')).toMatch(/^[a-zA-Z0-9]{9}$/);
  });
});

describe('convertToMistralRequest', () => {
  it('sends seed as random_seed, required as any, and says whether it streams', () => {
    const { body } = convertToMistralRequest(
      'mistral',
      'mistral-small',
      { ...base, seed: 5, tools: [{ name: 'f', parameters: {} }], toolChoice: { mode: 'required' } },
      { dropAllowed: false, stream: true },
    );
    expect(body).toMatchObject({ random_seed: 5, tool_choice: 'any', stream: true });
    expect(body).not.toHaveProperty('seed');
    expect(body).not.toHaveProperty('stream_options');
  });

  it('names a tool choice as a function, and passes auto and none', () => {
    const choice = (toolChoice: ChatRequest['toolChoice']) =>
      convertToMistralRequest('mistral', 'm', { ...base, toolChoice }, strict).body.tool_choice;
    expect(choice({ mode: 'tool', toolName: 'f' })).toEqual({ type: 'function', function: { name: 'f' } });
    expect(choice({ mode: 'auto' })).toBe('auto');
    expect(choice({ mode: 'none' })).toBe('none');
  });

  it('sends reasoning blocks back as thinking chunks with their signatures', () => {
    const request: ChatRequest = {
      ...base,
      messages: [
        { role: 'user', content: [{ type: 'text', text: '2+2?' }] },
        {
          role: 'assistant',
          content: [{ type: 'text', text: '4' }],
          reasoningBlocks: [
            { type: 'thinking', text: 'easy', signature: 'sig' },
            { type: 'redacted', data: 'x' },
          ],
        },
        { role: 'user', content: [{ type: 'text', text: 'and 3+3?' }] },
      ],
    };
    expect(convertToMistralRequest('mistral', 'magistral', request, strict).body.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: [{ type: 'text', text: 'easy' }], signature: 'sig' },
        { type: 'text', text: '4' },
      ],
    });
  });

  it('answers 400 naming what Mistral cannot honour, or drops and reports it when allowed', () => {
    const request: ChatRequest = { ...base, sampling: { topK: 5 }, reasoning: { budgetTokens: 100 }, user: 'u', extraBody: { logprobs: true } };
    expect(() => convertToMistralRequest('mistral', 'm', request, strict)).toThrow(
      expect.objectContaining({ status: 400, param: 'top_k', code: 'unsupported_parameter' }),
    );
    const { body, droppedParams } = convertToMistralRequest('mistral', 'm', request, { dropAllowed: true, stream: false });
    expect(droppedParams).toEqual(['top_k', 'reasoning.budget_tokens', 'logprobs']);
    expect(body).not.toHaveProperty('logprobs');
    expect(body).not.toHaveProperty('user');
  });

  it("passes Mistral's own fields and provider options through", () => {
    const request: ChatRequest = {
      ...base,
      extraBody: { safe_prompt: true, prompt_mode: 'reasoning' },
      providerOptions: { mistral: { prediction: { type: 'content', content: 'x' } }, 'la-plateforme': { guardrails: [] }, openai: { store: true } },
    };
    const { body, droppedParams } = convertToMistralRequest('la-plateforme', 'm', request, strict);
    expect(droppedParams).toEqual([]);
    expect(body).toMatchObject({ safe_prompt: true, prompt_mode: 'reasoning', prediction: { type: 'content', content: 'x' }, guardrails: [] });
    expect(body).not.toHaveProperty('store');
  });

  it('rejects an image that is neither a URL nor a data URL', () => {
    const request: ChatRequest = { ...base, messages: [{ role: 'user', content: [{ type: 'image', url: 'ftp://x/y.png' }] }] };
    expect(() => convertToMistralRequest('mistral', 'm', request, strict)).toThrow(expect.objectContaining({ param: 'messages[0].content[0]' }));
  });
});
