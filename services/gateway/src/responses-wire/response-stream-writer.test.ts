import { GatewayError, type ChatResponse, type StreamPart } from '@switchyard/shared';
import { formatResponse, type ResponseEnvelope } from './format-response';
import { ResponseStreamWriter } from './response-stream-writer';

const envelope: ResponseEnvelope = { id: 'resp_1', createdAt: 1_700_000_000, body: { model: 'm', input: 'x' }, store: true };

/** Ids are random per item: compared without them. */
function withoutIds(response: Record<string, unknown>): unknown {
  return { ...response, output: (response.output as Record<string, unknown>[]).map(({ id: _id, ...item }) => item) };
}

describe('ResponseStreamWriter', () => {
  const parts: StreamPart[] = [
    { type: 'response-start', id: 'up_1', model: 'model-1', created: 1 },
    { type: 'reasoning-delta', choice: 0, text: 'Think' },
    { type: 'reasoning-delta', choice: 0, text: 'ing.' },
    { type: 'text-delta', choice: 0, text: 'Hel' },
    { type: 'text-delta', choice: 0, text: 'lo' },
    { type: 'tool-call-start', choice: 0, index: 0, id: 'call_1', name: 'weather' },
    { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: '{"location"' },
    { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: ':"Paris"}' },
    { type: 'finish', choice: 0, finishReason: 'tool_calls' },
    { type: 'usage', usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 2, reasoningTokens: 1 } },
  ];

  it("writes OpenAI's event sequence, numbered from 0", () => {
    const writer = new ResponseStreamWriter(envelope);
    const events = [...parts.flatMap((part) => writer.write(part)), ...writer.end()];
    expect(events.map((event) => event.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    expect(events[0].response).toMatchObject({ id: 'resp_1', status: 'in_progress', output: [] });
    expect(events.find((event) => event.type === 'response.function_call_arguments.done')).toMatchObject({
      arguments: '{"location":"Paris"}',
      output_index: 2,
    });
  });

  it('ends with the response the same answer gives unstreamed', () => {
    const writer = new ResponseStreamWriter(envelope);
    for (const part of parts) writer.write(part);
    writer.end();
    const whole: ChatResponse = {
      id: 'up_1',
      model: 'model-1',
      created: 1,
      choices: [
        {
          index: 0,
          finishReason: 'tool_calls',
          message: { content: 'Hello', reasoning: 'Thinking.', toolCalls: [{ id: 'call_1', name: 'weather', arguments: '{"location":"Paris"}' }] },
        },
      ],
      usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 2, reasoningTokens: 1 },
    };
    expect(withoutIds(writer.final!)).toEqual(withoutIds(formatResponse(whole, envelope)));
    expect(writer.final).toMatchObject({
      status: 'completed',
      usage: {
        input_tokens: 10,
        output_tokens: 5,
        total_tokens: 15,
        input_tokens_details: { cached_tokens: 2 },
        output_tokens_details: { reasoning_tokens: 1 },
      },
    });
  });

  it('ends a turn cut by its length as incomplete', () => {
    const writer = new ResponseStreamWriter(envelope);
    writer.write({ type: 'response-start', id: 'up', model: 'm', created: 1 });
    writer.write({ type: 'text-delta', choice: 0, text: 'Hel' });
    writer.write({ type: 'finish', choice: 0, finishReason: 'length' });
    const [last] = writer.end().slice(-1);
    expect(last).toMatchObject({
      type: 'response.incomplete',
      response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } },
    });
  });

  it('fails a started stream with response.failed, then the error event', () => {
    const writer = new ResponseStreamWriter(envelope);
    writer.write({ type: 'response-start', id: 'up', model: 'm', created: 1 });
    const text = writer.fail(new GatewayError('Upstream broke.', { status: 502, errorClass: 'upstream', code: 'upstream_error' }), 'req_1');
    const events = text
      .trim()
      .split('\n\n')
      .map((frame) => JSON.parse(frame.split('\n')[1].slice('data: '.length)));
    expect(events.map((event) => [event.type, event.sequence_number])).toEqual([
      ['response.failed', 2],
      ['error', 3],
    ]);
    expect(events[0].response).toMatchObject({ status: 'failed', error: { message: 'Upstream broke.' } });
  });
});
