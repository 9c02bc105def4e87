import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseServerSentEvents, type ServerSentEvent } from './sse-parser';

const OPENAI_PYTHON = path.resolve(__dirname, '../../../..', '../shared/fixtures/provider-responses/openai-python/.inline-snapshot/external');
const ANTHROPIC_PYTHON = path.resolve(
  __dirname,
  '../../../..',
  '../shared/fixtures/provider-responses/anthropic-sdk-python/tests/lib/streaming/fixtures',
);

async function* chunksOf(...chunks: (string | Uint8Array)[]): AsyncGenerator<string | Uint8Array> {
  yield* chunks;
}

async function collect(body: AsyncIterable<string | Uint8Array>): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const event of parseServerSentEvents(body)) events.push(event);
  return events;
}

/** Splits `bytes` into pieces of `size` bytes, cutting through lines and multi-byte characters. */
async function* piecesOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

describe('parseServerSentEvents', () => {
  it('joins a CRLF that is split across two chunks into one line end', async () => {
    const events = await collect(chunksOf('data: first\r', '\n\r', '\ndata: second\r\n\r\n'));
    expect(events).toEqual([{ data: 'first' }, { data: 'second' }]);
  });

  it('treats a lone CR as a line end when the next chunk starts with something else', async () => {
    const events = await collect(chunksOf('data: a\r', 'data: b\r\r'));
    expect(events).toEqual([{ data: 'a\nb' }]);
  });

  it('joins multi-line data with LF and keeps event and id', async () => {
    const events = await collect(chunksOf('event: message_delta\nid: 7\ndata: {"a":\ndata: 1}\n\n'));
    expect(events).toEqual([{ event: 'message_delta', id: '7', data: '{"a":\n1}' }]);
  });

  it('ignores comments, unknown fields and events without data', async () => {
    const events = await collect(chunksOf(': OPENROUTER PROCESSING\n\nretry: 100\nevent: ping\n\n:keep-alive\ndata: x\n\n'));
    expect(events).toEqual([{ data: 'x' }]);
  });

  it('removes exactly one space after the colon and accepts a field without a colon', async () => {
    const events = await collect(chunksOf('data:  two spaces\ndata\ndata:none\n\n'));
    expect(events).toEqual([{ data: ' two spaces\n\nnone' }]);
  });

  it('dispatches a last event that the body ends without a blank line after, also after a held-back CR', async () => {
    expect(await collect(chunksOf('data: [DONE]'))).toEqual([{ data: '[DONE]' }]);
    expect(await collect(chunksOf('data: one\n\ndata: [DONE]\r'))).toEqual([{ data: 'one' }, { data: '[DONE]' }]);
  });

  it('decodes UTF-8 characters split across chunks', async () => {
    const bytes = new TextEncoder().encode('data: Größe — 東京\n\n');
    expect(await collect(piecesOf(bytes, 1))).toEqual([{ data: 'Größe — 東京' }]);
  });

  it('reads the recorded openai-python refusal stream byte by byte into the same events as in one piece', async () => {
    const bytes = readFileSync(path.join(OPENAI_PYTHON, '173417d553406f034f643e5db3f8d591fb691ebac56f5ae39a22cc7d455c5353.bin'));
    const whole = await collect(chunksOf(bytes));
    const split = await collect(piecesOf(bytes, 7));
    expect(split).toEqual(whole);
    expect(whole).toHaveLength(14);
    expect(JSON.parse(whole[1].data).choices[0].delta.refusal).toBe("I'm");
    expect(whole[whole.length - 1]).toEqual({ data: '[DONE]' });
  });

  it('reads the recorded Anthropic stream with its event names, also with CRLF line ends', async () => {
    const text = readFileSync(path.join(ANTHROPIC_PYTHON, 'basic_response.txt'), 'utf8');
    const events = await collect(chunksOf(text));
    const crlf = await collect(piecesOf(new TextEncoder().encode(text.replace(/\n/g, '\r\n')), 5));
    expect(crlf).toEqual(events);
    expect(events[0].event).toBe('message_start');
    expect(events[events.length - 1]).toEqual({ event: 'message_stop', data: '{"type":"message_stop"}' });
  });
});
