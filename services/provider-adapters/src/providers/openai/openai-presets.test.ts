import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ConfigError, GatewayError, openAIProviderSchema, type CallContext, type ChatRequest, type StreamPart } from '@switchyard/shared';
import { UpstreamClient, type UpstreamRequest, type UpstreamResponse } from '../../http/upstream-client';
import { createOpenAIAdapter } from './index';

const OPENAI_PYTHON = path.resolve(__dirname, '../../../../..', '../shared/fixtures/provider-responses/openai-python/.inline-snapshot/external');
/** openai-python's test_content_logprobs_events: "Foo!" streamed with logprobs. */
const CONTENT_LOGPROBS = path.join(OPENAI_PYTHON, '83b060bae42eb41c4f1edbb7c1542b954b37d9dfd1910b964ddebc9677e6ae85.bin');

/** An UpstreamClient that records what would be sent and answers with the given body. */
class RecordingClient extends UpstreamClient {
  readonly sent: UpstreamRequest[] = [];
  constructor(private readonly answer: string | Buffer) {
    super();
  }

  override async request(request: UpstreamRequest): Promise<UpstreamResponse> {
    this.sent.push(request);
    const body = Readable.from([Buffer.from(this.answer)]) as unknown as UpstreamResponse['body'];
    return { status: 200, headers: {}, body };
  }
}

function adapterFor(config: Record<string, unknown>, answer: string | Buffer = completion(), env: Record<string, string> = {}) {
  const http = new RecordingClient(answer);
  const adapter = createOpenAIAdapter({
    id: 'fast',
    config: openAIProviderSchema.parse({ kind: 'openai', ...config }),
    apiKey: 'sk-test',
    headers: {},
    http,
    env,
  });
  return { adapter, http, sent: () => ({ url: http.sent[0].url, body: JSON.parse(http.sent[0].body as string) }) };
}

function completion(extra: Record<string, unknown> = {}, choice: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: 'chatcmpl-1',
    created: 1,
    model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop', ...choice }],
    usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
    ...extra,
  });
}

const context = (): CallContext => ({ requestId: 'request-1', signal: new AbortController().signal });

const request = (fields: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'm',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
  sampling: { maxTokens: 50 },
  stream: false,
  includeUsage: false,
  ...fields,
});

async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const collected: StreamPart[] = [];
  for await (const part of parts) collected.push(part);
  return collected;
}

describe('the OpenAI adapter configured by a preset', () => {
  it("uses the preset's base URL, and the configured one over it", async () => {
    const groq = adapterFor({ preset: 'groq' });
    await groq.adapter.complete('llama-3.3-70b-versatile', request(), context());
    expect(groq.sent().url).toBe('https://api.groq.com/openai/v1/chat/completions');

    const deepinfra = adapterFor({ preset: 'deepinfra' });
    await deepinfra.adapter.complete('meta-llama/Llama-3.3-70B-Instruct', request(), context());
    expect(deepinfra.sent().url).toBe('https://api.deepinfra.com/v1/openai/chat/completions');

    const local = adapterFor({ preset: 'ollama', baseUrl: 'http://127.0.0.1:1/v1/' });
    await local.adapter.complete('llama3.1', request(), context());
    expect(local.sent().url).toBe('http://127.0.0.1:1/v1/chat/completions');
  });

  it('fills a base URL template from the environment (Cloudflare account id)', async () => {
    const { adapter, sent } = adapterFor({ preset: 'cloudflare' }, completion(), { CLOUDFLARE_ACCOUNT_ID: 'acc42' });
    await adapter.complete('@cf/meta/llama-3.1-8b-instruct', request(), context());
    expect(sent().url).toBe('https://api.cloudflare.com/client/v4/accounts/acc42/ai/v1/chat/completions');
  });

  it('refuses a preset whose base URL needs an unset variable, naming it, instead of calling another host', () => {
    expect(() => adapterFor({ preset: 'cloudflare' })).toThrow(ConfigError);
    expect(() => adapterFor({ preset: 'cloudflare' })).toThrow(
      "providers.fast.baseUrl: preset cloudflare's default https://api.cloudflare.com/client/v4/accounts/{CLOUDFLARE_ACCOUNT_ID}/ai/v1 needs CLOUDFLARE_ACCOUNT_ID; set it, or set baseUrl",
    );
    expect(() => adapterFor({ preset: 'cloudflare', baseUrl: 'https://gateway.example.com/v1' })).not.toThrow();
  });

  it('sends max_tokens to compatible servers, whatever the model is called, and OpenAI its own rule', async () => {
    const groq = adapterFor({ preset: 'groq' });
    await groq.adapter.complete('openai/gpt-oss-120b', request(), context());
    expect(groq.sent().body).toMatchObject({ max_tokens: 50 });
    expect(groq.sent().body.max_completion_tokens).toBeUndefined();

    const openai = adapterFor({ preset: 'openai' });
    await openai.adapter.complete('o4-mini', request(), context());
    expect(openai.sent().body).toMatchObject({ max_completion_tokens: 50 });
  });

  it("puts Fireworks' model prefix before a bare model name only", async () => {
    const bare = adapterFor({ preset: 'fireworks' });
    await bare.adapter.complete('llama-v3p1-8b-instruct', request(), context());
    expect(bare.sent().body.model).toBe('accounts/fireworks/models/llama-v3p1-8b-instruct');
    const full = adapterFor({ preset: 'fireworks' });
    await full.adapter.complete('accounts/me/models/tuned', request(), context());
    expect(full.sent().body.model).toBe('accounts/me/models/tuned');
  });

  it('refuses a parameter the preset documents as unsupported, by name, before any call', async () => {
    const { adapter, http } = adapterFor({ preset: 'groq' });
    const refused = adapter.complete('llama', request({ extraBody: { logit_bias: { '50256': -100 } } }), context());
    await expect(refused).rejects.toBeInstanceOf(GatewayError);
    await expect(refused).rejects.toMatchObject({ status: 400, code: 'unsupported_parameter', param: 'logit_bias' });
    await expect(refused).rejects.toThrow(/Provider fast does not support the parameter 'logit_bias'/);
    expect(http.sent).toHaveLength(0);
  });

  it('drops it when allowed, sends the rest, and reports what was dropped (whole and streamed)', async () => {
    const { adapter, sent } = adapterFor({ preset: 'groq', dropUnsupportedParams: true });
    const response = await adapter.complete(
      'llama',
      request({ extraBody: { logprobs: true, top_logprobs: 2, reasoning_format: 'parsed' } }),
      context(),
    );
    expect(sent().body).toMatchObject({ reasoning_format: 'parsed' });
    expect(sent().body).not.toHaveProperty('logprobs');
    expect(sent().body).not.toHaveProperty('top_logprobs');
    expect(response.droppedParams).toEqual(['logprobs', 'top_logprobs']);

    const streamed = adapterFor({ preset: 'groq' }, readFileSync(CONTENT_LOGPROBS));
    const parts = await collect(
      await streamed.adapter.stream('llama', request({ stream: true, extraBody: { logprobs: true }, dropUnsupportedParams: true }), context()),
    );
    expect(parts[0]).toMatchObject({ type: 'response-start', droppedParams: ['logprobs'] });
  });
});

describe('the OpenAI adapter passes what it does not model through unchanged', () => {
  it('spreads extraBody and the providerOptions for openai, the preset and the provider id into the body (snapshot)', async () => {
    const { adapter, sent } = adapterFor({ preset: 'vllm', baseUrl: 'http://127.0.0.1:8000/v1' });
    await adapter.complete(
      'qwen',
      request({
        sampling: { temperature: 0.2, maxTokens: 50 },
        extraBody: { logprobs: true, top_logprobs: 3, logit_bias: { '1734': -100 }, top_k: 20, min_p: 0.05, vendor_flag: { nested: [1, 'two'] } },
        providerOptions: {
          openai: { service_tier: 'flex', seed: 1 },
          vllm: { guided_choice: ['yes', 'no'], seed: 2 },
          fast: { seed: 3 },
          anthropic: { ignored: true },
        },
      }),
      context(),
    );
    // Checked against https://platform.openai.com/docs/api-reference/chat/create (logprobs, top_logprobs,
    // logit_bias, service_tier, seed) and https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html
    // (top_k, min_p, guided_choice as extra parameters).
    expect(sent().body).toMatchInlineSnapshot(`
      {
        "guided_choice": [
          "yes",
          "no",
        ],
        "logit_bias": {
          "1734": -100,
        },
        "logprobs": true,
        "max_tokens": 50,
        "messages": [
          {
            "content": "Hello",
            "role": "user",
          },
        ],
        "min_p": 0.05,
        "model": "qwen",
        "seed": 3,
        "service_tier": "flex",
        "temperature": 0.2,
        "top_k": 20,
        "top_logprobs": 3,
        "vendor_flag": {
          "nested": [
            1,
            "two",
          ],
        },
      }
    `);
  });

  it('keeps the model and stream decisions its own', async () => {
    const { adapter, sent } = adapterFor({}, readFileSync(CONTENT_LOGPROBS));
    await collect(
      await adapter.stream('gpt-4o', request({ stream: true, providerOptions: { openai: { model: 'other', stream: false } } }), context()),
    );
    expect(sent().body).toMatchObject({ model: 'gpt-4o', stream: true, stream_options: { include_usage: true } });
  });

  it('returns logprobs and service_tier from a whole response', async () => {
    const logprobs = { content: [{ token: 'Hi', logprob: -0.01, bytes: [72, 105], top_logprobs: [] }], refusal: null };
    const { adapter } = adapterFor({}, completion({ service_tier: 'default' }, { logprobs }));
    const response = await adapter.complete('gpt-4o', request({ extraBody: { logprobs: true } }), context());
    expect(response.serviceTier).toBe('default');
    expect(response.choices[0].logprobs).toEqual(logprobs);
    expect(response.droppedParams).toBeUndefined();
  });

  it('returns the logprobs of a recorded stream with the text they belong to', async () => {
    const recorded = readFileSync(CONTENT_LOGPROBS, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('data: {'))
      .map((line) => JSON.parse(line.slice(6)));
    const expected = recorded.flatMap((chunk) => chunk.choices.filter((choice: any) => choice.logprobs).map((choice: any) => choice.logprobs));
    const { adapter } = adapterFor({}, readFileSync(CONTENT_LOGPROBS));
    const parts = await collect(await adapter.stream('gpt-4o', request({ stream: true }), context()));
    const deltas = parts.filter((part) => part.type === 'text-delta');
    expect(deltas.map((part) => part.logprobs)).toEqual(expected);
    expect(deltas.map((part) => part.text).join('')).toBe('Foo!');
  });

  it('reads reasoning from the field the preset names first', async () => {
    const both = completion(
      {},
      { message: { role: 'assistant', content: 'A', reasoning: 'from reasoning', reasoning_content: 'from reasoning_content' } },
    );
    const groq = adapterFor({ preset: 'groq' }, both);
    expect((await groq.adapter.complete('m', request(), context())).choices[0].message.reasoning).toBe('from reasoning');
    const deepseek = adapterFor({ preset: 'deepseek' }, both);
    expect((await deepseek.adapter.complete('m', request(), context())).choices[0].message.reasoning).toBe('from reasoning_content');
  });
});
