import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import OpenAI from 'openai';
import { fixturePath } from '../../support/fixtures';
import { startReplayUpstream, type ReplayUpstream } from '../../support/replay-upstream';
import { startSwitchyard, type RunningSwitchyard } from '../switchyard-harness';

/**
 * Every recording of Google's generateContent API in the shared fixtures,
 * replayed by a loopback upstream through Switchyard (Gemini API and Vertex
 * AI providers) and read with the official `openai` SDK. What the client
 * reconstructs (text, reasoning, tool calls, usage) is compared with what the
 * recording itself holds, read by `summarizeRecording` below, which shares no
 * code with the adapter.
 *
 * Left out: `packages/google/src/interactions/__fixtures__/*` are Google's
 * Interactions API (`/v1beta/interactions`, steps and events), a different API
 * from generateContent that Switchyard does not speak.
 */
const GOOGLE_FIXTURES = 'provider-responses/vercel-ai/packages/google/src/__fixtures__';
const recordings = readdirSync(fixturePath(GOOGLE_FIXTURES)).filter((file) => file.endsWith('.chunks.txt') || file.endsWith('.json'));
const streamed = recordings.filter((file) => file.endsWith('.chunks.txt'));
const whole = recordings.filter((file) => file.endsWith('.json') && !file.startsWith('google-429'));

const API_KEY = 'gemini-e2e-key-not-secret';

// ---------------------------------------------------------------- the recording's own account

interface RecordedSummary {
  text: string;
  reasoning: string;
  toolCalls: { name: string; arguments: unknown }[];
  usage: { prompt: number; completion: number; reasoning: number };
}

function recordedChunks(file: string): any[] {
  const text = readFileSync(fixturePath(GOOGLE_FIXTURES, file), 'utf8');
  if (file.endsWith('.json')) return [JSON.parse(text)];
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

/** Sets `value` at a `$.a.b[0].c` path of `target`, appending to a string that is already there. */
function setAtPath(target: any, path: string, value: unknown): void {
  const keys: (string | number)[] = [];
  for (const match of path.slice(2).matchAll(/([^.[\]]+)|\[(\d+)\]/g)) keys.push(match[2] !== undefined ? Number(match[2]) : match[1]);
  let node = target;
  keys.slice(0, -1).forEach((key, position) => {
    node[key] ??= typeof keys[position + 1] === 'number' ? [] : {};
    node = node[key];
  });
  const last = keys[keys.length - 1];
  node[last] = typeof value === 'string' && typeof node[last] === 'string' ? node[last] + value : value;
}

function summarizeRecording(file: string): RecordedSummary {
  const summary: RecordedSummary = { text: '', reasoning: '', toolCalls: [], usage: { prompt: 0, completion: 0, reasoning: 0 } };
  for (const chunk of recordedChunks(file)) {
    for (const part of chunk.candidates?.[0]?.content?.parts ?? []) {
      if (part.thought) summary.reasoning += part.text ?? '';
      else if (typeof part.text === 'string') summary.text += part.text;
      const call = part.functionCall;
      if (!call) continue;
      if (call.name) summary.toolCalls.push({ name: call.name, arguments: call.args ?? {} });
      for (const arg of call.partialArgs ?? []) {
        const value = arg.stringValue ?? arg.numberValue ?? arg.boolValue ?? ('nullValue' in arg ? null : undefined);
        setAtPath(summary.toolCalls[summary.toolCalls.length - 1].arguments, arg.jsonPath, value);
      }
    }
    const usage = chunk.usageMetadata;
    if (usage?.promptTokenCount !== undefined) {
      summary.usage = {
        prompt: usage.promptTokenCount + (usage.toolUsePromptTokenCount ?? 0),
        completion: (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0),
        reasoning: usage.thoughtsTokenCount ?? 0,
      };
    }
  }
  return summary;
}

/** The recording as Gemini streams it with `alt=sse`: one `data:` event per chunk, each written on its own. */
function sseEvents(file: string): string[] {
  return recordedChunks(file).map((chunk) => `data: ${JSON.stringify(chunk)}\r\n\r\n`);
}

// ---------------------------------------------------------------- what the client reads

interface ClientView {
  text: string;
  reasoning: string;
  toolCalls: { name: string; arguments: unknown }[];
  usage: { prompt: number; completion: number; reasoning: number };
  finishReason: string | null;
}

async function readStream(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>): Promise<ClientView> {
  const view: ClientView = { text: '', reasoning: '', toolCalls: [], usage: { prompt: -1, completion: -1, reasoning: -1 }, finishReason: null };
  const calls: { name: string; arguments: string }[] = [];
  for await (const chunk of stream) {
    for (const choice of chunk.choices) {
      view.text += choice.delta.content ?? '';
      view.reasoning += (choice.delta as { reasoning_content?: string }).reasoning_content ?? '';
      for (const call of choice.delta.tool_calls ?? []) {
        calls[call.index] ??= { name: '', arguments: '' };
        calls[call.index].name += call.function?.name ?? '';
        calls[call.index].arguments += call.function?.arguments ?? '';
      }
      if (choice.finish_reason) view.finishReason = choice.finish_reason;
    }
    if (chunk.usage) {
      view.usage = {
        prompt: chunk.usage.prompt_tokens,
        completion: chunk.usage.completion_tokens,
        reasoning: chunk.usage.completion_tokens_details?.reasoning_tokens ?? 0,
      };
    }
  }
  view.toolCalls = calls.map((call) => ({ name: call.name, arguments: JSON.parse(call.arguments) }));
  return view;
}

function readCompletion(completion: OpenAI.Chat.Completions.ChatCompletion): ClientView {
  const choice = completion.choices[0];
  return {
    text: choice.message.content ?? '',
    reasoning: (choice.message as { reasoning_content?: string }).reasoning_content ?? '',
    toolCalls: (choice.message.tool_calls ?? []).map((call) => {
      if (call.type !== 'function') throw new Error(`unexpected tool call type ${call.type}`);
      return { name: call.function.name, arguments: JSON.parse(call.function.arguments) };
    }),
    usage: {
      prompt: completion.usage!.prompt_tokens,
      completion: completion.usage!.completion_tokens,
      reasoning: completion.usage!.completion_tokens_details?.reasoning_tokens ?? 0,
    },
    finishReason: choice.finish_reason,
  };
}

function expectSameAsRecording(view: ClientView, recorded: RecordedSummary): void {
  expect(view.text).toBe(recorded.text);
  expect(view.reasoning).toBe(recorded.reasoning);
  expect(view.toolCalls).toEqual(recorded.toolCalls);
  expect(view.usage).toEqual(recorded.usage);
  expect(view.finishReason).toBe(recorded.toolCalls.length > 0 ? 'tool_calls' : 'stop');
}

const question: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'How many rs are in strawberry?' }];

// ---------------------------------------------------------------- Gemini API

describe('Gemini provider end to end (embedded)', () => {
  let upstream: ReplayUpstream;
  let switchyard: RunningSwitchyard;
  let client: OpenAI;

  beforeAll(async () => {
    process.env.E2E_GEMINI_KEY = API_KEY;
    upstream = await startReplayUpstream();
    switchyard = await startSwitchyard('embedded', {
      providers: { gemini: { kind: 'gemini', baseUrl: `${upstream.origin}/v1beta`, apiKey: '${E2E_GEMINI_KEY}', models: ['gemini-*'] } },
    });
    client = new OpenAI({ baseURL: switchyard.baseURL, apiKey: switchyard.apiKey, maxRetries: 0 });
  }, 120_000);

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
  });

  beforeEach(() => {
    upstream.requests.length = 0;
  });

  it.each(streamed)('streams %s as the recording holds it', async (file) => {
    upstream.enqueue({ headers: { 'content-type': 'text/event-stream' }, body: sseEvents(file) });
    const stream = await client.chat.completions.create({
      model: 'gemini/gemini-3-pro-preview',
      messages: question,
      stream: true,
      stream_options: { include_usage: true },
    });
    expectSameAsRecording(await readStream(stream), summarizeRecording(file));
    expect(upstream.requests[0].url).toBe('/v1beta/models/gemini-3-pro-preview:streamGenerateContent?alt=sse');
    expect(upstream.requests[0].headers['x-goog-api-key']).toBe(API_KEY);
  });

  it.each(whole)('answers %s as the recording holds it', async (file) => {
    upstream.enqueue({ body: readFileSync(fixturePath(GOOGLE_FIXTURES, file)) });
    const completion = await client.chat.completions.create({ model: 'gemini/gemini-3-pro-preview', messages: question });
    expectSameAsRecording(readCompletion(completion), summarizeRecording(file));
    expect(upstream.requests[0].url).toBe('/v1beta/models/gemini-3-pro-preview:generateContent');
  });

  it("passes on the recorded 429 with Google's message and its retry delay", async () => {
    upstream.enqueue({ status: 429, body: readFileSync(fixturePath(GOOGLE_FIXTURES, 'google-429-retry-info.json')) });
    const failure = await client.chat.completions
      .create({ model: 'gemini/gemini-3-pro-preview', messages: question })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    const error = failure as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(429);
    expect(error.message).toContain('You exceeded your current quota, please check your plan. (RESOURCE_EXHAUSTED)');
    // RetryInfo.retryDelay "34.4s", rounded up.
    expect(error.headers?.get('retry-after')).toBe('35');
  });

  it('sends a representative request in the documented generateContent format', async () => {
    upstream.enqueue({ body: readFileSync(fixturePath(GOOGLE_FIXTURES, 'google-text.json')) });
    await client.chat.completions.create({
      model: 'gemini/gemini-2.5-flash',
      messages: [
        { role: 'system', content: 'You are terse.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture, and what is the weather there?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/photo.webp' } },
          ],
        },
        {
          role: 'assistant',
          content: 'Let me look up the weather.',
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"location":"Paris"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temperature":21}' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'weather',
            description: 'The weather at a place',
            parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'], additionalProperties: false },
          },
        },
      ],
      tool_choice: 'auto',
      temperature: 0.3,
      top_p: 0.9,
      max_tokens: 256,
      stop: ['END'],
      seed: 7,
      reasoning_effort: 'low',
    });
    const [request] = upstream.requests;
    expect(request.headers['x-goog-api-key']).toBe(API_KEY);
    expect(request.headers['content-type']).toBe('application/json');
    // Checked against https://ai.google.dev/api/generate-content#request-body (Content, Part, FunctionDeclaration
    // with parametersJsonSchema, ToolConfig, GenerationConfig with ThinkingConfig) and
    // https://ai.google.dev/gemini-api/docs/function-calling (functionResponse in a user turn).
    expect({ url: request.url, body: request.json }).toMatchSnapshot();
  });

  it("returns a Gemini 3 tool call's turn with a signature Gemini accepts when the client sends none back", async () => {
    upstream.enqueue({ body: readFileSync(fixturePath(GOOGLE_FIXTURES, 'google-text.json')) });
    await client.chat.completions.create({
      model: 'gemini/gemini-3-pro-preview',
      messages: [
        ...question,
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'count', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_9', content: '3' },
      ],
      tools: [{ type: 'function', function: { name: 'count', parameters: { type: 'object', properties: {} } } }],
    });
    expect(upstream.requests[0].json.contents).toEqual([
      { role: 'user', parts: [{ text: 'How many rs are in strawberry?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'count', args: {} }, thoughtSignature: 'skip_thought_signature_validator' }] },
      { role: 'user', parts: [{ functionResponse: { name: 'count', response: { output: '3' } } }] },
    ]);
  });

  it('rejects a parameter Gemini cannot honour, naming it and the provider, before any upstream call', async () => {
    const failure = await client.chat.completions
      .create({ model: 'gemini/gemini-3-pro-preview', messages: question, user: 'end-user-1', parallel_tool_calls: false })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    const error = failure as InstanceType<typeof OpenAI.BadRequestError>;
    expect(error.message).toContain("Provider gemini does not support the parameter 'parallel_tool_calls'");
    expect(error.param).toBe('parallel_tool_calls');
    expect(upstream.requests).toHaveLength(0);
  });

  it('embeds with batchEmbedContents', async () => {
    upstream.enqueue({ body: JSON.stringify({ embeddings: [{ values: [0.1, 0.2] }, { values: [0.3, 0.4] }] }) });
    const response = await client.embeddings.create({
      model: 'gemini/gemini-embedding-001',
      input: ['one', 'two'],
      dimensions: 2,
      encoding_format: 'float',
    });
    expect(response.data.map((item) => item.embedding)).toEqual([
      [0.1, 0.2],
      [0.3, 0.4],
    ]);
    const [request] = upstream.requests;
    expect(request.url).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    // Checked against https://ai.google.dev/api/embeddings#method:-models.batchembedcontents
    expect(request.json).toEqual({
      requests: [
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'one' }] }, outputDimensionality: 2 },
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'two' }] }, outputDimensionality: 2 },
      ],
    });
  });
});

// ---------------------------------------------------------------- Vertex AI

/**
 * A Google-like OAuth token endpoint on loopback that accepts only JWTs
 * signed by the service account's key, and issues tokens valid for
 * `expiresIn` seconds.
 */
async function startTokenEndpoint(publicKey: KeyObject, clientEmail: string, expiresIn: number) {
  const assertions: { iss?: string; aud?: unknown; scope?: unknown; kid?: string }[] = [];
  let issued = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const audience = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
      jwtVerify(form.get('assertion') ?? '', publicKey, { issuer: clientEmail, audience, algorithms: ['RS256'] })
        .then(({ payload, protectedHeader }) => {
          if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') throw new Error('wrong grant type');
          assertions.push({ iss: payload.iss, aud: payload.aud, scope: payload.scope, kid: protectedHeader.kid });
          issued++;
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ access_token: `ya29.vertex-token-${issued}`, expires_in: expiresIn, token_type: 'Bearer' }));
        })
        .catch(() => {
          response.writeHead(400, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    tokenUri: `http://127.0.0.1:${port}/token`,
    assertions,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('Vertex AI provider end to end (embedded)', () => {
  const clientEmail = 'switchyard-e2e@test-project.iam.gserviceaccount.com';
  let upstream: ReplayUpstream;
  let tokens: Awaited<ReturnType<typeof startTokenEndpoint>>;
  /** Issues tokens that expire within the refresh margin (five minutes). */
  let shortTokens: Awaited<ReturnType<typeof startTokenEndpoint>>;
  let switchyard: RunningSwitchyard;
  let client: OpenAI;
  let keyDirectory: string;

  beforeAll(async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    tokens = await startTokenEndpoint(publicKey, clientEmail, 3599);
    shortTokens = await startTokenEndpoint(publicKey, clientEmail, 299);
    keyDirectory = mkdtempSync(join(tmpdir(), 'switchyard-vertex-'));
    const keyFile = (name: string, tokenUri: string) => {
      const path = join(keyDirectory, name);
      const key = {
        type: 'service_account',
        project_id: 'test-project',
        private_key_id: 'key-1',
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
        client_email: clientEmail,
        token_uri: tokenUri,
      };
      writeFileSync(path, JSON.stringify(key), { mode: 0o600 });
      return path;
    };
    upstream = await startReplayUpstream();
    switchyard = await startSwitchyard('embedded', {
      providers: {
        vertex: {
          kind: 'vertex',
          project: 'test-project',
          location: 'europe-west4',
          baseUrl: `${upstream.origin}/v1`,
          serviceAccountKeyFile: keyFile('service-account.json', tokens.tokenUri),
          models: ['gemini-*'],
        },
        'vertex-short': {
          kind: 'vertex',
          project: 'test-project',
          location: 'europe-west4',
          baseUrl: `${upstream.origin}/v1`,
          serviceAccountKeyFile: keyFile('short-lived.json', shortTokens.tokenUri),
          models: ['gemini-*'],
        },
      },
    });
    client = new OpenAI({ baseURL: switchyard.baseURL, apiKey: switchyard.apiKey, maxRetries: 0 });
  }, 120_000);

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
    await tokens?.close();
    await shortTokens?.close();
    if (keyDirectory) rmSync(keyDirectory, { recursive: true, force: true });
  });

  it.each(streamed.filter((file) => file.startsWith('google-vertex') || file.startsWith('google-stream')))(
    'streams %s from the regional endpoint with a service-account token',
    async (file) => {
      upstream.enqueue({ headers: { 'content-type': 'text/event-stream' }, body: sseEvents(file) });
      const stream = await client.chat.completions.create({
        model: 'vertex/gemini-3.1-pro-preview',
        messages: question,
        stream: true,
        stream_options: { include_usage: true },
      });
      expectSameAsRecording(await readStream(stream), summarizeRecording(file));
      const request = upstream.requests.at(-1)!;
      expect(request.url).toBe(
        '/v1/projects/test-project/locations/europe-west4/publishers/google/models/gemini-3.1-pro-preview:streamGenerateContent?alt=sse',
      );
      // One exchange for every request of the suite: the token is reused while it is valid.
      expect(request.headers.authorization).toBe('Bearer ya29.vertex-token-1');
      expect(tokens.assertions).toEqual([
        { iss: clientEmail, aud: tokens.tokenUri, scope: 'https://www.googleapis.com/auth/cloud-platform', kid: 'key-1' },
      ]);
    },
  );

  it('answers a whole generateContent response', async () => {
    upstream.enqueue({ body: readFileSync(fixturePath(GOOGLE_FIXTURES, 'google-tool-call.json')) });
    const completion = await client.chat.completions.create({ model: 'vertex/gemini-3-pro-preview', messages: question });
    expectSameAsRecording(readCompletion(completion), summarizeRecording('google-tool-call.json'));
    expect(upstream.requests.at(-1)!.url).toBe(
      '/v1/projects/test-project/locations/europe-west4/publishers/google/models/gemini-3-pro-preview:generateContent',
    );
    expect(upstream.requests.at(-1)!.headers.authorization).toBe('Bearer ya29.vertex-token-1');
  });

  it('replaces a token before it expires: one that lapses within five minutes is not used again', async () => {
    for (const expected of ['Bearer ya29.vertex-token-1', 'Bearer ya29.vertex-token-2']) {
      upstream.enqueue({ body: readFileSync(fixturePath(GOOGLE_FIXTURES, 'google-text.json')) });
      await client.chat.completions.create({ model: 'vertex-short/gemini-2.5-flash', messages: question });
      expect(upstream.requests.at(-1)!.headers.authorization).toBe(expected);
    }
    expect(shortTokens.assertions).toHaveLength(2);
  });
});
