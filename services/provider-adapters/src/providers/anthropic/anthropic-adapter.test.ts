import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ChatRequest, StreamPart } from '@switchyard/shared';
import { UpstreamClient, type UpstreamRequest, type UpstreamResponse } from '../../http/upstream-client';
import { createAnthropicAdapter } from './anthropic-adapter';

const TEXT_STREAM = path.resolve(
  __dirname,
  '../../../../..',
  '../shared/fixtures/provider-responses/vercel-ai/packages/anthropic/src/__fixtures__/anthropic-text.chunks.txt',
);

/** An upstream that answers from a script instead of the network, and records what it was asked. */
class ScriptedUpstream extends UpstreamClient {
  readonly sent: UpstreamRequest[] = [];
  body: Readable = Readable.from([]);

  override async request(request: UpstreamRequest): Promise<UpstreamResponse> {
    this.sent.push(request);
    return { status: 200, headers: {}, body: this.body as unknown as UpstreamResponse['body'] };
  }
}

const request: ChatRequest = {
  model: 'claude',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'How are you?' }] }],
  sampling: {},
  stream: true,
  includeUsage: true,
};
const context = { requestId: 'request-1', signal: new AbortController().signal };

/** The recorded events framed as SSE, one string each. */
const frames = readFileSync(TEXT_STREAM, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`);

let upstream: ScriptedUpstream;

beforeEach(() => {
  upstream = new ScriptedUpstream();
});

afterEach(() => upstream.close());

function adapter(options: { baseUrl?: string; apiKey?: string; id?: string; dropUnsupportedParams?: boolean } = { apiKey: 'sk-ant-test' }) {
  return createAnthropicAdapter({
    id: options.id ?? 'anthropic',
    config: {
      kind: 'anthropic',
      baseUrl: options.baseUrl,
      models: ['*'],
      timeoutMs: 1_000,
      headers: {},
      prices: {},
      dropUnsupportedParams: options.dropUnsupportedParams ?? false,
    },
    apiKey: options.apiKey,
    headers: {},
    http: upstream,
    env: {},
  });
}

describe('the Anthropic adapter', () => {
  it('yields each part as soon as its event arrives', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let framesSent = 0;
    upstream.body = Readable.from(
      (async function* () {
        for (const [index, frame] of frames.entries()) {
          if (index === 4) await held;
          framesSent++;
          yield frame;
        }
      })(),
    );

    const parts = (await adapter().stream('claude-sonnet-4-5', request, context))[Symbol.asyncIterator]();
    expect((await parts.next()).value).toMatchObject({ type: 'response-start', id: 'msg_01QC4g3HwBThD4BaNtBckFDJ' });
    expect((await parts.next()).value).toEqual({ type: 'text-delta', choice: 0, text: 'Hello' });
    // The first text arrived while the rest of the recording was still held back.
    expect(framesSent).toBe(4);

    release();
    const rest: StreamPart[] = [];
    for (let next = await parts.next(); !next.done; next = await parts.next()) rest.push(next.value);
    expect(framesSent).toBe(frames.length);
    expect(rest.at(-1)).toMatchObject({ type: 'usage', usage: { inputTokens: 12, outputTokens: 30 } });
  });

  it('releases the upstream body when the consumer stops early', async () => {
    upstream.body = Readable.from(frames);
    for await (const part of await adapter().stream('claude', request, context)) {
      if (part.type === 'text-delta') break;
    }
    expect(upstream.body.destroyed).toBe(true);
  });

  it('posts to {baseUrl}/messages with stream: true and the Anthropic headers', async () => {
    upstream.body = Readable.from(frames);
    await adapter({ baseUrl: 'https://anthropic-proxy.internal/v1/', apiKey: 'sk-ant-test' }).stream('claude-sonnet-4-5', request, context);
    const [sent] = upstream.sent;
    expect(sent).toMatchObject({ providerId: 'anthropic', method: 'POST', url: 'https://anthropic-proxy.internal/v1/messages', timeoutMs: 1_000 });
    expect(sent.headers).toEqual({ 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-ant-test' });
    expect(JSON.parse(sent.body as string)).toMatchObject({ model: 'claude-sonnet-4-5', stream: true });
  });

  it('uses api.anthropic.com by default and sends no key when none is configured', async () => {
    upstream.body = Readable.from(frames);
    await adapter({}).stream('claude', request, context);
    expect(upstream.sent[0].url).toBe('https://api.anthropic.com/v1/messages');
    expect(upstream.sent[0].headers['x-api-key']).toBeUndefined();
  });

  it('rejects a parameter Anthropic cannot honour with a 400 naming it and the provider, before any upstream call', async () => {
    const withExtra: ChatRequest = { ...request, extraBody: { logit_bias: { '50256': -100 } } };
    await expect(adapter().stream('claude', withExtra, context)).rejects.toMatchObject({
      status: 400,
      param: 'logit_bias',
      code: 'unsupported_parameter',
      message: expect.stringContaining('Provider anthropic does not support the parameter'),
    });
    await expect(adapter().complete('claude', { ...request, sampling: { n: 2 } }, context)).rejects.toMatchObject({ status: 400, param: 'n' });
    expect(upstream.sent).toHaveLength(0);
  });

  it('drops them when the request or the config allows it, and says which on the response-start part', async () => {
    upstream.body = Readable.from(frames);
    const dropping: ChatRequest = { ...request, seed: 1, extraBody: { logprobs: true }, dropUnsupportedParams: true };
    const parts: StreamPart[] = [];
    for await (const part of await adapter().stream('claude', dropping, context)) parts.push(part);
    expect(parts[0]).toMatchObject({ type: 'response-start', droppedParams: ['seed', 'logprobs'] });
    expect(parts.filter((part) => part.type === 'response-start')).toHaveLength(1);
    const sent = JSON.parse(upstream.sent[0].body as string);
    expect(sent).not.toHaveProperty('seed');
    expect(sent).not.toHaveProperty('logprobs');
  });

  it('reports dropped parameters on a complete response too (dropping allowed by config)', async () => {
    upstream.body = Readable.from([
      JSON.stringify({
        id: 'msg_1',
        model: 'claude-sonnet-4-5',
        content: [{ type: 'text', text: 'Hi' }],
        stop_reason: 'end_turn',
        usage: { input_tokens: 3, output_tokens: 1 },
      }),
    ]);
    const response = await adapter({ apiKey: 'k', dropUnsupportedParams: true }).complete('claude', { ...request, stream: false, seed: 3 }, context);
    expect(response.droppedParams).toEqual(['seed']);
    expect(response.choices[0].message.content).toBe('Hi');
  });

  it('merges providerOptions for the kind, then for the provider id, over the body', async () => {
    upstream.body = Readable.from(frames);
    const withOptions: ChatRequest = {
      ...request,
      providerOptions: {
        anthropic: { service_tier: 'standard_only', top_k: 5 },
        'claude-eu': { top_k: 9, context_management: { edits: [{ type: 'clear_thinking_20251015' }] } },
        openai: { store: true },
      },
    };
    await adapter({ apiKey: 'k', id: 'claude-eu' }).stream('claude', withOptions, context);
    const sent = JSON.parse(upstream.sent[0].body as string);
    expect(sent).toMatchObject({ service_tier: 'standard_only', top_k: 9, context_management: { edits: [{ type: 'clear_thinking_20251015' }] } });
    expect(sent).not.toHaveProperty('store');
  });
});
