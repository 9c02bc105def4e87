import type { ChatRequest } from '@switchyard/shared';
import { convertToGeminiRequest, unsupportedGeminiParameters } from './convert-to-gemini-request';

const base = (overrides: Partial<ChatRequest>): ChatRequest => ({
  model: 'gemini/gemini-3-pro-preview',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather?' }] }],
  sampling: {},
  stream: false,
  includeUsage: false,
  ...overrides,
});

describe('convertToGeminiRequest', () => {
  it('puts reasoning blocks back: thought parts, and the last signature on the first function call', () => {
    const body = convertToGeminiRequest(
      'gemini-3-pro-preview',
      base({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
          {
            role: 'assistant',
            content: [],
            reasoningBlocks: [
              { type: 'thinking', text: 'Two cities.', signature: 'sig-thought' },
              { type: 'thinking', text: 'Call both.', signature: 'sig-call' },
            ],
            toolCalls: [
              { id: 'a', name: 'weather', arguments: '{"city":"Paris"}' },
              { id: 'b', name: 'weather', arguments: '{"city":"Rome"}' },
            ],
          },
          { role: 'tool', toolCallId: 'a', content: 'sunny' },
          { role: 'tool', toolCallId: 'b', content: '{"sky":"cloudy"}' },
        ],
      }),
    );
    expect(body.contents.slice(1)).toEqual([
      {
        role: 'model',
        parts: [
          { text: 'Two cities.', thought: true, thoughtSignature: 'sig-thought' },
          { text: 'Call both.', thought: true },
          { functionCall: { name: 'weather', args: { city: 'Paris' } }, thoughtSignature: 'sig-call' },
          { functionCall: { name: 'weather', args: { city: 'Rome' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'weather', response: { output: 'sunny' } } },
          { functionResponse: { name: 'weather', response: { sky: 'cloudy' } } },
        ],
      },
    ]);
  });

  it("puts an answer's signature on its last text part, and sends no skip value to models before Gemini 3", () => {
    const answer = convertToGeminiRequest(
      'gemini-2.5-flash',
      base({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
          { role: 'assistant', content: [{ type: 'text', text: 'Hello' }], reasoningBlocks: [{ type: 'thinking', text: '', signature: 'sig' }] },
          { role: 'assistant', content: [], toolCalls: [{ id: 'c', name: 'f', arguments: '' }] },
        ],
      }),
    );
    expect(answer.contents[1]).toEqual({
      role: 'model',
      parts: [{ text: 'Hello', thoughtSignature: 'sig' }, { functionCall: { name: 'f', args: {} } }],
    });
  });

  it('maps sampling, stop, JSON schema output, tool choice and thinking', () => {
    const body = convertToGeminiRequest(
      'gemini-3-flash-preview',
      base({
        sampling: { temperature: 0.2, topK: 40, maxTokens: 100, n: 2, presencePenalty: 0.1, frequencyPenalty: 0.2 },
        stop: ['x'],
        responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object' } },
        tools: [{ name: 'f', parameters: { properties: {} } }],
        toolChoice: { mode: 'tool', toolName: 'f' },
        reasoning: { effort: 'high' },
      }),
    );
    expect(body.generationConfig).toEqual({
      temperature: 0.2,
      topK: 40,
      maxOutputTokens: 100,
      candidateCount: 2,
      stopSequences: ['x'],
      presencePenalty: 0.1,
      frequencyPenalty: 0.2,
      responseMimeType: 'application/json',
      responseJsonSchema: { type: 'object' },
      thinkingConfig: { thinkingLevel: 'high', includeThoughts: true },
    });
    expect(body.tools).toEqual([{ functionDeclarations: [{ name: 'f', parametersJsonSchema: { type: 'object', properties: {} } }] }]);
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f'] } });
    expect(convertToGeminiRequest('gemini-2.5-pro', base({ reasoning: { budgetTokens: 0 } })).generationConfig).toEqual({
      thinkingConfig: { thinkingBudget: 0 },
    });
  });

  it('rejects what Gemini cannot take, naming the parameter', () => {
    expect(() => convertToGeminiRequest('m', base({ messages: [{ role: 'tool', toolCallId: 'nope', content: 'x' }] }))).toThrow(
      expect.objectContaining({ status: 400, param: 'messages[0].tool_call_id' }),
    );
    expect(() => convertToGeminiRequest('m', base({ messages: [{ role: 'user', content: [{ type: 'image', url: 'ftp://x/y.png' }] }] }))).toThrow(
      expect.objectContaining({ param: 'messages[0].content[0]' }),
    );
    expect(unsupportedGeminiParameters(base({ user: 'u', metadata: { a: 'b' }, parallelToolCalls: false }))).toEqual(['parallel_tool_calls']);
    expect(unsupportedGeminiParameters(base({ parallelToolCalls: true }))).toEqual([]);
  });
});
