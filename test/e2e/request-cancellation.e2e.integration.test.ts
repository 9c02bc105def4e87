import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { DEFAULT_FIXTURES, openAIFixture, startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { waitFor } from '../support/wait-for';
import { startSwitchyard, type Mode, type RunningSwitchyard } from './switchyard-harness';

/**
 * Every way a request can fail after its upstream call began — the provider
 * sends a chunk that cannot be read, the client goes away mid-stream — cancels
 * that call and releases its connection, in one process and across gRPC; and a
 * stream cut before the provider's usage is recorded with estimated usage.
 * (A response header that cannot be written, the original finding, can no
 * longer be provoked from outside: response headers are sanitised; the
 * in-process pipeline test covers a failure inside the gateway's own writing.)
 */

/** How long the upstream may take to see a cancelled call closed. */
const CLOSE_DEADLINE_MS = 5_000;
/** Connections per provider origin (UpstreamClient's default pool size). */
const POOL_SIZE = 128;
/**
 * A recorded stream cut after its role chunk and first word, followed by a chunk
 * that is not JSON; the mock then holds the connection open, as a broken
 * provider would.
 */
function writeBrokenStreamFixture(folder: string): string {
  const recorded = readFileSync(openAIFixture(DEFAULT_FIXTURES.stream), 'utf8').split('\n\n').slice(0, 2);
  const file = join(folder, 'broken-stream.sse');
  writeFileSync(file, [...recorded, 'data: {"choices": [', ''].join('\n\n'));
  return file;
}

interface ApiRecord {
  status: string;
  streamed: boolean;
  usage: { input_tokens: number; output_tokens: number };
  usage_estimated: boolean;
  cost_usd: number;
  error: { class: string; message: string } | null;
}

function configFor(upstream: MockOpenAIUpstream) {
  return {
    providers: {
      openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'], prices: { 'gpt-4o*': { input: 2.5, output: 10 } } },
    },
    // A hundred broken streams in a row would rightly open the deployment's breaker: this suite is about
    // connections released, each request reaching the upstream (breakers: shared-breakers and chaos suites).
    breakers: { enabled: false },
  };
}

function chatBody(model: string, stream: boolean): string {
  return JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'What is the weather in Paris right now?' }] });
}

async function postChat(switchyard: RunningSwitchyard, body: string, requestId: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${switchyard.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: switchyard.headers({ 'content-type': 'application/json', 'x-request-id': requestId }),
    body,
    signal,
  });
}

/** The record of `requestId`, once written (Kafka and the consumer take a moment in distributed mode). */
async function recordOf(switchyard: RunningSwitchyard, requestId: string, timeoutMs = 20_000): Promise<ApiRecord> {
  const read = async () => {
    const response = await fetch(`${switchyard.origin}/v1/requests/${requestId}`, { headers: switchyard.headers() });
    return { status: response.status, body: await response.text() };
  };
  const found = await waitFor(read, ({ status }) => status === 200, { timeoutMs, what: `the record of ${requestId}` });
  return JSON.parse(found.body) as ApiRecord;
}

/** Reads the event stream until some content has arrived, then aborts the request as a leaving client does. */
async function readSomeContentThenLeave(response: Response, controller: AbortController): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!/"content":"[^"]+"/.test(text)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the stream ended before any content: ${text}`);
    text += decoder.decode(value, { stream: true });
  }
  controller.abort();
  await reader.cancel().catch(() => undefined);
  return text;
}

describe.each<Mode>(['embedded', 'distributed'])('cancelling upstream calls (%s)', (mode) => {
  let upstream: MockOpenAIUpstream;
  let switchyard: RunningSwitchyard;
  let fixtureFolder: string;
  let brokenStream: string;

  beforeAll(async () => {
    fixtureFolder = mkdtempSync(join(tmpdir(), 'switchyard-broken-stream-'));
    brokenStream = writeBrokenStreamFixture(fixtureFolder);
    upstream = await startMockOpenAIUpstream();
    switchyard = await startSwitchyard(mode, configFor(upstream));
  }, 60_000);

  afterEach(() => {
    upstream.reset();
  });

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
    rmSync(fixtureFolder, { recursive: true, force: true });
  });

  it('closes the upstream stream when the provider sends a chunk that cannot be read', async () => {
    upstream.enqueue({ kind: 'stream-then-hang', file: brokenStream, events: 3 });
    const requestId = `broken-${randomUUID()}`;
    const response = await postChat(switchyard, chatBody('gpt-4o-mini', true), requestId);
    expect(response.status).toBe(200);
    const events = (await response.text()).split('\n\n').filter((event) => event !== '');
    expect(upstream.requests).toHaveLength(1);
    // The stream ends with OpenAI's error event, which the SDKs raise.
    expect(JSON.parse(events.at(-1)!.replace(/^data: /, ''))).toMatchObject({ error: { code: 'upstream_bad_response' } });
    await upstream.whenNoneOpen(CLOSE_DEADLINE_MS);
    expect(upstream.abortedRequests).toBe(1);
    // The provider accepted the prompt and streamed a word before the failure: both are on the record, estimated.
    const record = await recordOf(switchyard, requestId);
    expect(record).toMatchObject({ status: 'failed', usage_estimated: true });
    expect(record.usage.input_tokens).toBeGreaterThan(0);
    expect(record.usage.output_tokens).toBeGreaterThan(0);
  });

  it(`still serves a normal request after ${POOL_SIZE} such failures, each upstream connection released`, async () => {
    for (let index = 0; index < POOL_SIZE; index++) upstream.enqueue({ kind: 'stream-then-hang', file: brokenStream, events: 3 });
    const endings: string[] = [];
    for (let batch = 0; batch < POOL_SIZE; batch += 32) {
      const responses = await Promise.all(Array.from({ length: 32 }, () => postChat(switchyard, chatBody('gpt-4o-mini', true), randomUUID())));
      for (const response of responses) {
        const events = (await response.text()).split('\n\n').filter((event) => event !== '');
        endings.push(`${response.status} ${events.at(-1)?.startsWith('data: {"error"') ? 'error event' : events.at(-1)}`);
      }
    }
    expect(new Set(endings)).toEqual(new Set(['200 error event']));
    expect(upstream.requests).toHaveLength(POOL_SIZE);
    await upstream.whenNoneOpen(CLOSE_DEADLINE_MS);

    // Had the failures kept their connections, this one would wait for a free slot until the provider's timeout.
    const client = new OpenAI({ baseURL: switchyard.baseURL, apiKey: switchyard.apiKey, maxRetries: 0, timeout: 15_000 });
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] });
    expect(completion.choices[0].message.content).toBeTruthy();
  }, 60_000);

  it('closes the upstream stream when the client disconnects mid-stream, and records estimated usage with its cost', async () => {
    // The role chunk and five words, then nothing: the provider's usage chunk never comes.
    upstream.enqueue({ kind: 'stream-then-hang', file: DEFAULT_FIXTURES.stream, events: 6 });
    const requestId = `leave-${randomUUID()}`;
    const controller = new AbortController();
    const response = await postChat(switchyard, chatBody('gpt-4o-mini', true), requestId, controller.signal);
    expect(response.status).toBe(200);
    await readSomeContentThenLeave(response, controller);
    await upstream.whenNoneOpen(CLOSE_DEADLINE_MS);
    expect(upstream.abortedRequests).toBe(1);

    const record = await recordOf(switchyard, requestId);
    expect(record).toMatchObject({ status: 'cancelled', streamed: true, usage_estimated: true });
    expect(record.usage.output_tokens).toBeGreaterThan(0);
    expect(record.usage.input_tokens).toBeGreaterThan(0);
    expect(record.cost_usd).toBeGreaterThan(0);
  });

  it('records a stream that the openai SDK abandons mid-way as cancelled, with estimated usage', async () => {
    upstream.enqueue({ kind: 'stream-then-hang', file: DEFAULT_FIXTURES.stream, events: 4 });
    const requestId = `sdk-${randomUUID()}`;
    const client = new OpenAI({ baseURL: switchyard.baseURL, apiKey: switchyard.apiKey, maxRetries: 0 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Tell me about the weather.' }] },
      { headers: { 'x-request-id': requestId }, signal: controller.signal },
    );
    let content = '';
    try {
      for await (const chunk of stream) {
        content += chunk.choices[0]?.delta?.content ?? '';
        if (content) controller.abort();
      }
    } catch (error) {
      // The SDK ends the iteration on abort, or raises its APIUserAbortError, depending on where the abort found it.
      expect((error as Error).name).toMatch(/Abort/);
    }
    expect(content).not.toBe('');
    await upstream.whenNoneOpen(CLOSE_DEADLINE_MS);
    const record = await recordOf(switchyard, requestId);
    expect(record).toMatchObject({ status: 'cancelled', usage_estimated: true });
    expect(record.usage.output_tokens).toBeGreaterThan(0);
    expect(record.cost_usd).toBeGreaterThan(0);
  });

  it('records a completed stream with the usage its provider reported, not estimated', async () => {
    const requestId = `whole-${randomUUID()}`;
    const client = new OpenAI({ baseURL: switchyard.baseURL, apiKey: switchyard.apiKey, maxRetries: 0 });
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Tell me about the weather.' }] },
      { headers: { 'x-request-id': requestId } },
    );
    for await (const _chunk of stream) {
      // read to the end
    }
    const record = await recordOf(switchyard, requestId);
    expect(record).toMatchObject({ status: 'succeeded', usage_estimated: false });
    // What the recording's usage chunk says.
    expect(record.usage).toMatchObject({ input_tokens: 14, output_tokens: 30 });
    expect(upstream.openRequests).toBe(0);
  });
});
