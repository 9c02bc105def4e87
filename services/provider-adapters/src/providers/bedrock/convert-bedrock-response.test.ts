import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ProviderError } from '@switchyard/shared';
import { convertBedrockResponse } from './convert-bedrock-response';

const vercel = (name: string) =>
  path.join(
    path.resolve(__dirname, '../../../../..', '../shared/fixtures/provider-responses'),
    'vercel-ai/packages/amazon-bedrock/src/__fixtures__',
    name,
  );
const CREATED = 1_767_225_600;

describe('convertBedrockResponse', () => {
  it('keeps the recorded reasoning with its signature as a reasoning block, and the answer text', () => {
    const recorded = JSON.parse(readFileSync(vercel('amazon-bedrock-reasoning.json'), 'utf8'));
    const reasoning = recorded.output.message.content[0].reasoningContent.reasoningText;
    const response = convertBedrockResponse('bedrock', 'm', 'bedrock-1', JSON.stringify(recorded), CREATED);
    expect(response).toEqual({
      id: 'bedrock-1',
      model: 'm',
      created: CREATED,
      choices: [
        {
          index: 0,
          finishReason: 'stop',
          message: {
            content: recorded.output.message.content[1].text,
            reasoning: reasoning.text,
            reasoningBlocks: [{ type: 'thinking', text: reasoning.text, signature: reasoning.signature }],
          },
        },
      ],
      usage: { inputTokens: 51, outputTokens: 78, cachedInputTokens: 0, cacheWriteTokens: 0 },
    });
  });

  it('turns toolUse blocks into tool calls with their input as JSON text', () => {
    const response = convertBedrockResponse('bedrock', 'm', 'id', readFileSync(vercel('amazon-bedrock-json-with-tool.1.json'), 'utf8'), CREATED);
    expect(response.choices[0]).toMatchObject({
      finishReason: 'tool_calls',
      message: {
        content: 'Let me call a tool first.Now the JSON.',
        toolCalls: [
          { id: 'tool-1', name: 'get-weather', arguments: '{"location":"SF"}' },
          { id: 'json-tool-id', name: 'json', arguments: '{"result":"data"}' },
        ],
      },
    });
  });

  it('keeps redacted reasoning as an opaque block', () => {
    const body = {
      output: { message: { role: 'assistant', content: [{ reasoningContent: { redactedContent: 'RW5j' } }, { text: 'Hi' }] } },
      stopReason: 'end_turn',
    };
    const message = convertBedrockResponse('bedrock', 'm', 'id', JSON.stringify(body), CREATED).choices[0].message;
    expect(message).toEqual({ content: 'Hi', reasoningBlocks: [{ type: 'redacted', data: 'RW5j' }] });
  });

  it('rejects a body that is not a Converse response', () => {
    expect(() => convertBedrockResponse('bedrock', 'm', 'id', 'nope')).toThrow(ProviderError);
    expect(() => convertBedrockResponse('bedrock', 'm', 'id', '{"output":{"message":{"content":[{"text":5}]}}}')).toThrow(
      /output\.message\.content\.0\.text/,
    );
  });
});
