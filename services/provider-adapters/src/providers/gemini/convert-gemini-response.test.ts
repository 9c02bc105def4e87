import { readFileSync } from 'node:fs';
import path from 'node:path';
import { convertGeminiResponse } from './convert-gemini-response';

const FIXTURES = path.resolve(__dirname, '../../../../../../shared/fixtures/provider-responses/vercel-ai/packages/google/src/__fixtures__');
const recorded = (file: string) => readFileSync(path.join(FIXTURES, file), 'utf8');

describe('convertGeminiResponse', () => {
  it('reads a recorded tool call with its signature as a reasoning block', () => {
    const response = convertGeminiResponse('gemini', 'gemini-3-pro-preview', recorded('google-tool-call.json'), 1);
    expect(response).toMatchObject({ id: 'm36LaZGyCLz1xs0PtNSB-QU', model: 'gemini-3-pro-preview', created: 1 });
    const [choice] = response.choices;
    expect(choice.finishReason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.toolCalls).toEqual([{ id: expect.stringMatching(/^call_/), name: 'weather', arguments: '{"location":"San Francisco"}' }]);
    expect(choice.message.reasoningBlocks).toEqual([{ type: 'thinking', text: '', signature: expect.stringMatching(/^EskgCsYgAb4/) }]);
    expect(response.usage).toEqual({ inputTokens: 29, outputTokens: 15 + 893, reasoningTokens: 893 });
  });

  it('joins thought parts into reasoning and counts cached and tool-use prompt tokens as input', () => {
    const response = convertGeminiResponse(
      'gemini',
      'gemini-2.5-flash',
      JSON.stringify({
        candidates: [
          {
            content: { parts: [{ text: 'Think', thought: true }, { text: 'ing.', thought: true, thoughtSignature: 's1' }, { text: 'Answer' }] },
            finishReason: 'MAX_TOKENS',
          },
        ],
        usageMetadata: {
          promptTokenCount: 100,
          cachedContentTokenCount: 60,
          toolUsePromptTokenCount: 5,
          candidatesTokenCount: 7,
          thoughtsTokenCount: 3,
        },
      }),
    );
    expect(response.model).toBe('gemini-2.5-flash');
    expect(response.choices[0]).toEqual({
      index: 0,
      finishReason: 'length',
      message: { content: 'Answer', reasoning: 'Thinking.', reasoningBlocks: [{ type: 'thinking', text: 'Thinking.', signature: 's1' }] },
    });
    expect(response.usage).toEqual({ inputTokens: 105, outputTokens: 10, cachedInputTokens: 60, reasoningTokens: 3 });
  });

  it('answers a blocked prompt as an empty filtered choice, and rejects a body without candidates or reason', () => {
    const blocked = convertGeminiResponse('gemini', 'm', JSON.stringify({ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' } }));
    expect(blocked.choices).toEqual([{ index: 0, message: { content: null }, finishReason: 'content_filter' }]);
    expect(() => convertGeminiResponse('gemini', 'm', '{}')).toThrow('the response has no candidates');
    expect(() => convertGeminiResponse('gemini', 'm', 'oops')).toThrow('the body is not JSON');
  });
});
