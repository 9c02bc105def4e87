import { readFileSync } from 'node:fs';
import path from 'node:path';
import { convertCohereResponse, toolArguments } from './convert-cohere-response';

const FIXTURES = path.resolve(__dirname, '../../../../..', '../shared/fixtures/provider-responses/vercel-ai/packages/cohere/src/__fixtures__');
const fixture = (file: string) => readFileSync(path.join(FIXTURES, file), 'utf8');

describe('convertCohereResponse', () => {
  it('reads a text answer, naming the model asked for and the billed usage', () => {
    expect(convertCohereResponse('cohere', 'command-a', fixture('cohere-text.json'), 1_700_000_000)).toEqual({
      id: 'e7592632-1e3d-424f-b129-bd5f9f980f7b',
      model: 'command-a',
      created: 1_700_000_000,
      choices: [{ index: 0, message: { content: 'The capital of France is Paris.' }, finishReason: 'stop' }],
      usage: { inputTokens: 12, outputTokens: 7 },
    });
  });

  it('reads thinking items as reasoning', () => {
    const { message } = convertCohereResponse('cohere', 'command-a', fixture('cohere-reasoning.json')).choices[0];
    expect(message).toEqual({
      content: '2 + 2 = 4',
      reasoning: 'Okay, so I need to figure out what 2 + 2 is. Let me start by recalling what addition means.',
    });
  });

  it('reads tool calls, with the tool plan as reasoning and no content', () => {
    const response = convertCohereResponse('cohere', 'command-a', fixture('cohere-tool-call.json'));
    expect(response.choices[0]).toEqual({
      index: 0,
      finishReason: 'tool_calls',
      message: {
        content: null,
        reasoning:
          'I will use the weather tool to find out the weather in San Francisco. I will also use the cityAttractions tool to find out what attractions are in San Francisco.',
        toolCalls: [
          { id: 'weather_dqgshstja6p9', name: 'weather', arguments: '{"location":"San Francisco"}' },
          { id: 'cityAttractions_dcxfx4myvx68', name: 'cityAttractions', arguments: '{"city":"San Francisco"}' },
        ],
      },
    });
  });

  it('gives a call with null arguments an empty object', () => {
    expect(convertCohereResponse('cohere', 'm', fixture('cohere-null-args.json')).choices[0].message.toolCalls).toEqual([
      { id: 'currentTime_tf4dywn8wgnk', name: 'currentTime', arguments: '{}' },
    ]);
    expect(toolArguments(undefined)).toBe('{}');
    expect(toolArguments(' ')).toBe('{}');
    expect(toolArguments('{"a":1}')).toBe('{"a":1}');
  });

  it('keeps the text of a cited answer and a cut-off answer', () => {
    expect(convertCohereResponse('cohere', 'm', fixture('cohere-citations.json')).choices[0].message.content).toMatch(/^The key benefits/);
    const cut = convertCohereResponse('cohere', 'm', fixture('cohere-max-tokens.json')).choices[0];
    expect(cut).toMatchObject({ finishReason: 'length', message: { content: '**The History of' } });
  });

  it('throws a bad response for a body that is not JSON or not a chat response', () => {
    expect(() => convertCohereResponse('cohere', 'm', '<html>')).toThrow(expect.objectContaining({ code: 'upstream_bad_response' }));
    expect(() => convertCohereResponse('cohere', 'm', '{"id":"x"}')).toThrow(
      expect.objectContaining({ message: expect.stringContaining('message') }),
    );
    expect(() => convertCohereResponse('cohere', 'm', '{"id":"x","message":{"tool_calls":[{"id":"a","function":{}}]}}')).toThrow(
      expect.objectContaining({ message: expect.stringContaining('names no function') }),
    );
  });
});
