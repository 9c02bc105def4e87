import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ProviderError, type StreamPart } from '@switchyard/shared';
import { EventStreamDecoder, type DecodedEventMessage } from './bedrock-event-stream-decoder';
import { BedrockStreamTransformer } from './bedrock-stream';

const PROVIDER_RESPONSES = path.resolve(__dirname, '../../../../..', '../shared/fixtures/provider-responses');
const binary = (name: string) => path.join(PROVIDER_RESPONSES, 'bedrock-eventstream', name);
const vercel = (name: string) => path.join(PROVIDER_RESPONSES, 'vercel-ai/packages/amazon-bedrock/src/__fixtures__', name);

const CREATED = 1_767_225_600;
const RESPONSE = { id: 'bedrock-request-1', model: 'anthropic.claude-3-7-sonnet-20250219-v1:0' };

function binaryMessages(name: string): DecodedEventMessage[] {
  const decoder = new EventStreamDecoder();
  const messages = decoder.push(readFileSync(binary(name)));
  decoder.end();
  return messages;
}

function chunkMessages(name: string): DecodedEventMessage[] {
  return readFileSync(vercel(name), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [[eventType, payload]] = Object.entries(JSON.parse(line));
      return { messageType: 'event', name: eventType, payload: JSON.stringify(payload) };
    });
}

const event = (name: string, payload: unknown): DecodedEventMessage => ({ messageType: 'event', name, payload: JSON.stringify(payload) });

function transform(messages: DecodedEventMessage[], response: { id: string; model: string; droppedParams?: string[] } = RESPONSE): StreamPart[] {
  const transformer = new BedrockStreamTransformer('bedrock', response, () => CREATED);
  return [...messages.flatMap((message) => transformer.push(message)), ...transformer.end()];
}

function failure(run: () => unknown): ProviderError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected a ProviderError');
}

describe('BedrockStreamTransformer', () => {
  it('streams the recorded text answer, then finish and usage', () => {
    const parts = transform(binaryMessages('test_bedrock_model_stream.eventstream.bin'));
    expect(parts[0]).toEqual({ type: 'response-start', id: 'bedrock-request-1', model: RESPONSE.model, created: CREATED });
    const text = parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : [])).join('');
    expect(text.startsWith('The capital of France is Paris.')).toBe(true);
    expect(parts.slice(-2)).toEqual([
      { type: 'finish', choice: 0, finishReason: 'stop' },
      { type: 'usage', usage: { inputTokens: 13, outputTokens: 82 } },
    ]);
  });

  it('streams the recorded tool call: start with id and name, then its arguments', () => {
    const parts = transform(binaryMessages('test_bedrock_model_iter_stream.0.eventstream.bin'));
    expect(parts.filter((part) => part.type.startsWith('tool-call'))).toEqual([
      { type: 'tool-call-start', choice: 0, index: 0, id: 'tooluse_lAG_zP8QRHmSYOwZzzaCqA', name: 'get_temperature' },
      { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: '{"city":"Paris"}' },
    ]);
    expect(parts.at(-2)).toEqual({ type: 'finish', choice: 0, finishReason: 'tool_calls' });
  });

  it('closes the recorded reasoning block with its signature, before the answer text', () => {
    const parts = transform(binaryMessages('test_bedrock_model_thinking_part_stream.eventstream.bin'));
    const signatureAt = parts.findIndex((part) => part.type === 'reasoning-signature');
    const lastReasoningAt = parts.findLastIndex((part) => part.type === 'reasoning-delta');
    const firstTextAt = parts.findIndex((part) => part.type === 'text-delta');
    expect(lastReasoningAt).toBeLessThan(signatureAt);
    expect(signatureAt).toBeLessThan(firstTextAt);
    const recorded = readFileSync(binary('test_bedrock_model_thinking_part_stream.eventstream.decoded.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('"signature"'))
      .map((line) => JSON.parse(line).payload.delta.reasoningContent.signature);
    expect(recorded).toHaveLength(1);
    expect(parts[signatureAt]).toEqual({ type: 'reasoning-signature', choice: 0, signature: recorded[0] });
    expect(parts.filter((part) => part.type === 'reasoning-signature')).toHaveLength(1);
  });

  it('sends usage after finish when metadata comes before messageStop, as some recordings have it', () => {
    const parts = transform(chunkMessages('amazon-bedrock-tool-call.1.chunks.txt'));
    expect(parts.map((part) => part.type)).toEqual(['response-start', 'tool-call-start', 'tool-call-delta', 'tool-call-delta', 'finish', 'usage']);
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 125, outputTokens: 45 } });
  });

  it('gives a tool call that streamed no input the arguments {}', () => {
    const parts = transform(chunkMessages('amazon-bedrock-tool-no-args.chunks.txt'));
    expect(parts.filter((part) => part.type === 'tool-call-delta')).toEqual([{ type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: '{}' }]);
  });

  it('sums prompt-cache reads and writes into the input tokens', () => {
    const parts = transform([
      event('messageStart', { role: 'assistant' }),
      event('messageStop', { stopReason: 'end_turn' }),
      event('metadata', { usage: { inputTokens: 10, outputTokens: 5, cacheReadInputTokens: 100, cacheWriteInputTokens: 20, totalTokens: 135 } }),
    ]);
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 130, outputTokens: 5, cachedInputTokens: 100, cacheWriteTokens: 20 } });
  });

  it('passes redacted reasoning on whole, and names dropped parameters in response-start', () => {
    const parts = transform(
      [
        event('messageStart', { role: 'assistant' }),
        event('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { redactedContent: 'RW5jcnlwdGVk' } } }),
        event('contentBlockStop', { contentBlockIndex: 0 }),
        event('messageStop', { stopReason: 'end_turn' }),
      ],
      { ...RESPONSE, droppedParams: ['presence_penalty'] },
    );
    expect(parts).toEqual([
      { type: 'response-start', id: 'bedrock-request-1', model: RESPONSE.model, created: CREATED, droppedParams: ['presence_penalty'] },
      { type: 'redacted-reasoning', choice: 0, data: 'RW5jcnlwdGVk' },
      { type: 'finish', choice: 0, finishReason: 'stop' },
    ]);
  });

  it('ignores event types it does not know', () => {
    const parts = transform([
      event('messageStart', { role: 'assistant' }),
      event('someFutureEvent', { x: 1 }),
      event('messageStop', { stopReason: 'guardrail_intervened' }),
    ]);
    expect(parts.at(-1)).toEqual({ type: 'finish', choice: 0, finishReason: 'content_filter' });
  });

  it('throws an exception frame as a provider error: throttling retryable as a 429', () => {
    const transformer = new BedrockStreamTransformer('bedrock', RESPONSE, () => CREATED);
    transformer.push(event('messageStart', { role: 'assistant' }));
    const error = failure(() =>
      transformer.push({
        messageType: 'exception',
        name: 'throttlingException',
        payload: '{"message":"Too many requests, please wait before trying again."}',
      }),
    );
    expect(error).toMatchObject({ status: 429, retryable: true });
    expect(error.message).toBe('bedrock sent an error mid-stream: Too many requests, please wait before trying again. (throttlingException)');
    const validation = failure(() =>
      new BedrockStreamTransformer('bedrock', RESPONSE).push({ messageType: 'exception', name: 'validationException', payload: '{"message":"bad"}' }),
    );
    expect(validation).toMatchObject({ status: 502, retryable: false });
  });

  it('rejects a malformed event, and a stream that ends before messageStop', () => {
    expect(failure(() => transform([event('contentBlockDelta', { delta: { text: 'x' } })])).message).toMatch(
      /a contentBlockDelta event is malformed/,
    );
    expect(failure(() => transform([{ messageType: 'event', name: 'messageStop', payload: 'not json' }])).message).toMatch(/not JSON/);
    expect(failure(() => transform(binaryMessages('test_bedrock_model_stream.eventstream.bin').slice(0, 5))).message).toMatch(
      /ended before the message was complete/,
    );
    expect(failure(() => transform([])).message).toMatch(/ended before any event/);
    expect(failure(() => transform([event('contentBlockDelta', { contentBlockIndex: 3, delta: { toolUse: { input: '{}' } } })])).message).toMatch(
      /not a tool call/,
    );
  });
});
