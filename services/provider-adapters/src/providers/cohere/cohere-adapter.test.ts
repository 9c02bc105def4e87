import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ChatRequest, StreamPart } from '@switchyard/shared';
import { UpstreamClient, type UpstreamRequest, type UpstreamResponse } from '../../http/upstream-client';
import { createCohereAdapter } from './cohere-adapter';

const FIXTURES = path.resolve(__dirname, '../../../../..', '../shared/fixtures/provider-responses/vercel-ai/packages/cohere/src/__fixtures__');

/** An upstream that answers from a script instead of the network, and records what it was asked. */
class ScriptedUpstream extends UpstreamClient {
  readonly sent: UpstreamRequest[] = [];
  status = 200;
  body: Readable = Readable.from([]);

  override async request(request: UpstreamRequest): Promise<UpstreamResponse> {
    this.sent.push(request);
    return { status: this.status, headers: {}, body: this.body as unknown as UpstreamResponse['body'] };
  }
}

const request: ChatRequest = {
  model: 'c',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
  sampling: {},
  stream: true,
  includeUsage: true,
};
const context = { requestId: 'request-1', signal: new AbortController().signal };
let upstream: ScriptedUpstream;

beforeEach(() => {
  upstream = new ScriptedUpstream();
});

afterEach(() => upstream.close());

function adapter(overrides: { baseUrl?: string; dropUnsupportedParams?: boolean } = {}) {
  return createCohereAdapter({
    id: 'cohere',
    config: {
      kind: 'cohere',
      baseUrl: overrides.baseUrl,
      timeoutMs: 1_000,
      headers: {},
      prices: {},
      dropUnsupportedParams: overrides.dropUnsupportedParams ?? false,
      embedInputType: 'search_query',
    },
    apiKey: 'co-test-key',
    headers: { 'x-client-name': 'switchyard' },
    http: upstream,
    env: {},
  });
}

describe('the Cohere adapter', () => {
  it('posts to {baseUrl}/chat with a bearer key and reads the answer', async () => {
    upstream.body = Readable.from([readFileSync(path.join(FIXTURES, 'cohere-text.json'))]);
    const response = await adapter({ baseUrl: 'https://cohere.example/v2/' }).complete('command-a', { ...request, stream: false }, context);
    expect(response.choices[0].message.content).toBe('The capital of France is Paris.');
    expect(upstream.sent[0]).toMatchObject({
      url: 'https://cohere.example/v2/chat',
      method: 'POST',
      headers: { authorization: 'Bearer co-test-key', 'content-type': 'application/json', 'x-client-name': 'switchyard' },
    });
  });

  it('streams the parts of the recorded events, even when they arrive split mid-line', async () => {
    const frames = readFileSync(path.join(FIXTURES, 'cohere-tool-call.chunks.txt'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => `event: ${JSON.parse(line).type}\ndata: ${line}\n\n`)
      .join('');
    upstream.body = Readable.from([frames.slice(0, 333), frames.slice(333, 2000), frames.slice(2000)].map((text) => Buffer.from(text)));
    const parts: StreamPart[] = [];
    for await (const part of await adapter({ dropUnsupportedParams: true }).stream('command-a', { ...request, sampling: { n: 2 } }, context))
      parts.push(part);
    expect(parts[0]).toMatchObject({ type: 'response-start', model: 'command-a', droppedParams: ['n'] });
    expect(parts.filter((part) => part.type === 'tool-call-start')).toHaveLength(2);
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 119, outputTokens: 44 } });
    expect(upstream.sent[0].headers.accept).toBe('text/event-stream');
    expect(JSON.parse(String(upstream.sent[0].body))).toMatchObject({ stream: true });
  });

  it('adds the API version to a base URL given as a host, as Cohere SDKs take it', async () => {
    upstream.body = Readable.from([readFileSync(path.join(FIXTURES, 'cohere-text.json'))]);
    await adapter({ baseUrl: 'http://127.0.0.1:8000/cohere/' }).complete('c', { ...request, stream: false }, context);
    expect(upstream.sent[0].url).toBe('http://127.0.0.1:8000/cohere/v2/chat');
  });

  it('reports the dropped parameters on a complete response', async () => {
    upstream.body = Readable.from([readFileSync(path.join(FIXTURES, 'cohere-text.json'))]);
    const response = await adapter({ dropUnsupportedParams: true }).complete('c', { ...request, stream: false, sampling: { n: 3 } }, context);
    expect(response.droppedParams).toEqual(['n']);
  });

  it('throws Cohere errors with their status and message', async () => {
    upstream.status = 429;
    upstream.body = Readable.from([Buffer.from('{"message":"too many requests"}')]);
    await expect(adapter().complete('c', request, context)).rejects.toMatchObject({
      status: 429,
      retryable: true,
      message: expect.stringContaining('too many requests'),
    });
  });

  it('embeds with the configured input type and reads float vectors', async () => {
    upstream.body = Readable.from([
      Buffer.from(JSON.stringify({ id: 'e', embeddings: { float: [[1, 2]] }, meta: { billed_units: { input_tokens: 4 } } })),
    ]);
    const response = await adapter().embed!('embed-v4.0', { model: 'e', input: ['hello'] }, context);
    expect(response).toEqual({ model: 'embed-v4.0', data: [{ index: 0, vector: [1, 2] }], usage: { inputTokens: 4, outputTokens: 0 } });
    expect(upstream.sent[0].url).toBe('https://api.cohere.com/v2/embed');
    expect(JSON.parse(String(upstream.sent[0].body))).toEqual({
      model: 'embed-v4.0',
      texts: ['hello'],
      input_type: 'search_query',
      embedding_types: ['float'],
    });
  });

  it("embeds without the request's user, which Cohere has no field for", async () => {
    upstream.body = Readable.from([Buffer.from('{"embeddings":{"float":[[0]]}}')]);
    await expect(adapter().embed!('e', { model: 'e', input: ['a'], user: 'u' }, context)).resolves.toMatchObject({
      data: [{ index: 0, vector: [0] }],
    });
    expect(JSON.parse(String(upstream.sent[0].body))).not.toHaveProperty('user');
  });

  it('throws a bad response for an embed body without float vectors', async () => {
    upstream.body = Readable.from([Buffer.from('{"embeddings":{"int8":[[1]]}}')]);
    await expect(adapter().embed!('e', { model: 'e', input: ['a'] }, context)).rejects.toMatchObject({ code: 'upstream_bad_response' });
  });
});
