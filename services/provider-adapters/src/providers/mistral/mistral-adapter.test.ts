import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ChatRequest, StreamPart } from '@switchyard/shared';
import { UpstreamClient, type UpstreamRequest, type UpstreamResponse } from '../../http/upstream-client';
import { createMistralAdapter } from './mistral-adapter';

const FIXTURES = path.resolve(__dirname, '../../../../..', '../shared/fixtures/provider-responses/vercel-ai/packages/mistral/src/__fixtures__');

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
  model: 'm',
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
  return createMistralAdapter({
    id: 'mistral',
    config: {
      kind: 'mistral',
      baseUrl: overrides.baseUrl,
      timeoutMs: 1_000,
      headers: {},
      prices: {},
      dropUnsupportedParams: overrides.dropUnsupportedParams ?? false,
    },
    apiKey: 'mistral-test-key',
    headers: {},
    http: upstream,
    env: {},
  });
}

describe('the Mistral adapter', () => {
  it('posts to {baseUrl}/chat/completions with a bearer key and reads the answer', async () => {
    upstream.body = Readable.from([readFileSync(path.join(FIXTURES, 'mistral-tool-call.json'))]);
    const response = await adapter().complete('mistral-small-latest', { ...request, stream: false }, context);
    expect(response.choices[0].message.toolCalls).toEqual([{ id: 'gSIMJiOkT', name: 'weather', arguments: '{"location": "San Francisco"}' }]);
    expect(upstream.sent[0]).toMatchObject({
      url: 'https://api.mistral.ai/v1/chat/completions',
      headers: { authorization: 'Bearer mistral-test-key' },
    });
  });

  it('streams the recorded chunks, split anywhere, and names dropped parameters first', async () => {
    const frames =
      readFileSync(path.join(FIXTURES, 'mistral-reasoning.chunks.txt'), 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => `data: ${line}\n\n`)
        .join('') + 'data: [DONE]\n\n';
    upstream.body = Readable.from([frames.slice(0, 100), frames.slice(100, 700), frames.slice(700)].map((text) => Buffer.from(text)));
    const parts: StreamPart[] = [];
    const stream = await adapter({ baseUrl: 'http://mistral.local/v1/', dropUnsupportedParams: true }).stream(
      'magistral',
      { ...request, sampling: { topK: 3 } },
      context,
    );
    for await (const part of stream) parts.push(part);
    expect(parts[0]).toMatchObject({ type: 'response-start', model: 'magistral-medium-2507', droppedParams: ['top_k'] });
    expect(
      parts
        .filter((part) => part.type === 'reasoning-delta')
        .map((part) => (part as { text: string }).text)
        .join(''),
    ).toBe('The user is asking for 2+2. This is basic arithmetic. 2+2=4.');
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 10, outputTokens: 46 } });
    expect(upstream.sent[0].url).toBe('http://mistral.local/v1/chat/completions');
  });

  it('adds the API version to a base URL given as a host, as Mistral SDKs take it', async () => {
    upstream.body = Readable.from([readFileSync(path.join(FIXTURES, 'mistral-text.json'))]);
    await adapter({ baseUrl: 'https://api.mistral.ai' }).complete('m', { ...request, stream: false }, context);
    expect(upstream.sent[0].url).toBe('https://api.mistral.ai/v1/chat/completions');
  });

  it('throws Mistral errors with their status and message', async () => {
    upstream.status = 401;
    upstream.body = Readable.from([Buffer.from('{"message":"Unauthorized","request_id":"abc"}')]);
    await expect(adapter().complete('m', request, context)).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('Unauthorized'),
    });
  });

  it('throws a bad response for a body that is not a chat completion', async () => {
    upstream.body = Readable.from([Buffer.from('{"choices":"none"}')]);
    await expect(adapter().complete('m', request, context)).rejects.toMatchObject({ code: 'upstream_bad_response' });
  });

  it('embeds with output_dimension, without the user it has no field for', async () => {
    upstream.body = Readable.from([Buffer.from('{"model":"codestral-embed","data":[{"index":0,"embedding":[0.5]}],"usage":{"prompt_tokens":2}}')]);
    const response = await adapter().embed!('codestral-embed', { model: 'e', input: ['x'], dimensions: 256 }, context);
    expect(response).toEqual({ model: 'codestral-embed', data: [{ index: 0, vector: [0.5] }], usage: { inputTokens: 2, outputTokens: 0 } });
    expect(JSON.parse(String(upstream.sent[0].body))).toEqual({ model: 'codestral-embed', input: ['x'], output_dimension: 256 });
    upstream.body = Readable.from([Buffer.from('{"model":"codestral-embed","data":[{"index":0,"embedding":[0.5]}],"usage":{"prompt_tokens":2}}')]);
    await adapter().embed!('codestral-embed', { model: 'e', input: ['x'], user: 'u' }, context);
    expect(JSON.parse(String(upstream.sent[1].body))).not.toHaveProperty('user');
  });
});
