import { readFileSync } from 'node:fs';
import path from 'node:path';
import { mistralChatResponseSchema } from './mistral-api';
import { convertMistralEmbeddingResponse, convertMistralResponse } from './convert-mistral-response';

const FIXTURES = path.resolve(__dirname, '../../../../..', '../shared/fixtures/provider-responses/vercel-ai/packages/mistral/src/__fixtures__');
const fixture = (file: string) => mistralChatResponseSchema.parse(JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')));

describe('convertMistralResponse', () => {
  it('reads a text answer and its usage', () => {
    const response = convertMistralResponse('mistral', fixture('mistral-text.json'), 'asked');
    expect(response).toMatchObject({ id: '5319bd0299614c679a0068a4f2c8ffd0', model: 'mistral-small-latest', created: 1769088720 });
    expect(response.choices[0].message.content).toMatch(/^\*\*Holiday Name/);
    expect(response.usage).toEqual({ inputTokens: 13, outputTokens: 434 });
  });

  it('splits thinking chunks into reasoning and reasoning blocks', () => {
    expect(convertMistralResponse('mistral', fixture('mistral-reasoning.json'), 'm').choices[0].message).toEqual({
      content: '2 + 2 = 4',
      reasoning: 'The user is asking for 2+2. This is basic arithmetic. 2+2=4.',
      reasoningBlocks: [{ type: 'thinking', text: 'The user is asking for 2+2. This is basic arithmetic. 2+2=4.' }],
    });
  });

  it('keeps the signature of a thinking chunk, and serializes object arguments', () => {
    const body = mistralChatResponseSchema.parse({
      choices: [
        {
          message: {
            content: [
              { type: 'thinking', thinking: [{ type: 'text', text: 'a' }], signature: 's' },
              { type: 'reference', reference_ids: [1] },
            ],
            tool_calls: [{ id: 'abcdefghi', function: { name: 'f', arguments: { x: 1 } } }],
          },
          finish_reason: 'tool_calls',
        },
      ],
    });
    expect(convertMistralResponse('mistral', body, 'm').choices[0]).toEqual({
      index: 0,
      finishReason: 'tool_calls',
      message: {
        content: null,
        reasoning: 'a',
        reasoningBlocks: [{ type: 'thinking', text: 'a', signature: 's' }],
        toolCalls: [{ id: 'abcdefghi', name: 'f', arguments: '{"x":1}' }],
      },
    });
  });

  it('reads tool calls', () => {
    expect(convertMistralResponse('mistral', fixture('mistral-tool-call.json'), 'm').choices[0]).toMatchObject({
      finishReason: 'tool_calls',
      message: { content: null, toolCalls: [{ id: 'gSIMJiOkT', name: 'weather', arguments: '{"location": "San Francisco"}' }] },
    });
  });
});

describe('convertMistralEmbeddingResponse', () => {
  it('orders vectors by index and counts the input tokens', () => {
    const response = convertMistralEmbeddingResponse(
      {
        model: null,
        data: [
          { index: 1, embedding: [2] },
          { index: 0, embedding: [1] },
        ],
        usage: { prompt_tokens: 5 },
      },
      'mistral-embed',
    );
    expect(response).toEqual({
      model: 'mistral-embed',
      data: [
        { index: 0, vector: [1] },
        { index: 1, vector: [2] },
      ],
      usage: { inputTokens: 5, outputTokens: 0 },
    });
  });
});
