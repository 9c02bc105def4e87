import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { fixturePath } from '../support/fixtures';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { summarizeOpenAIStream } from '../support/recorded-stream';
import { KAFKA_BROKERS, POSTGRES_URL, requireKafka, requirePostgres } from '../support/infrastructure';

/**
 * The built `switchyard` command, run as a user runs it: separate processes,
 * configured from the environment alone.
 */
const cli = path.resolve(__dirname, '../../services/gateway/dist/cli.js');
const textStream = fixturePath('provider-responses/openai-python/.inline-snapshot/external/e2aad469b71d1d4894ff833ea147020a9d875eb7ce644a0ff355581690a4cbfd.bin');

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

function temporaryDirectory(label: string): string {
  return mkdtempSync(path.join(tmpdir(), `switchyard-${label}-`));
}

function start(args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [cli, ...args], {
    // Each process its own embedded database: two processes must never share one.
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', SWITCHYARD_DATA_DIR: temporaryDirectory('data'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (data) => (output += data));
  child.stderr.on('data', (data) => (output += data));
  return { child, output: () => output };
}

async function waitUntilReady(url: string, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`not ready: ${url}\n${output()}`);
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  return code as number | null;
}

describe('the switchyard command', () => {
  let upstream: MockOpenAIUpstream;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
  });

  afterEach(async () => {
    await Promise.all(children.splice(0).map(stop));
    upstream.reset();
  });

  afterAll(async () => {
    await upstream.close();
  });

  it('starts embedded from OPENAI_BASE_URL alone and serves the openai SDK, streaming and not', async () => {
    const port = await freePort();
    const gateway = start([], { OPENAI_BASE_URL: upstream.baseUrl, PORT: String(port) });
    children.push(gateway.child);
    await waitUntilReady(`http://127.0.0.1:${port}/readyz`, gateway.output);

    const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'llama3.1', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0].message.content?.length).toBeGreaterThan(0);

    upstream.enqueue({ kind: 'stream-fixture', file: textStream });
    let text = '';
    for await (const chunk of await client.chat.completions.create({ model: 'llama3.1', messages: [{ role: 'user', content: 'hi' }], stream: true })) {
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(text).toBe(summarizeOpenAIStream(textStream).text);
    expect(upstream.requests.map((request) => request.body.model)).toEqual(['llama3.1', 'llama3.1']);
    // Logs are JSON with the request id on request lines, and never contain the prompt.
    const completedLines = () =>
      gateway.output().trim().split('\n').map((line) => JSON.parse(line)).filter((line) => line.msg === 'request-completed');
    const deadline = Date.now() + 5_000;
    while (completedLines().length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(completedLines()).toHaveLength(2);
    for (const line of completedLines()) expect(line).toMatchObject({ requestId: expect.any(String), status: 200, provider: 'openai', model: 'llama3.1' });
    expect(gateway.output()).not.toContain('"hi"');
  });

  it('records requests in its embedded database, keeps them across a restart, and refuses a second process on it', async () => {
    const dataDirectory = path.join(temporaryDirectory('records'), 'data');
    const env = () => ({ OPENAI_BASE_URL: upstream.baseUrl, SWITCHYARD_DATA_DIR: dataDirectory });
    const port = await freePort();
    const first = start([], { ...env(), PORT: String(port) });
    children.push(first.child);
    await waitUntilReady(`http://127.0.0.1:${port}/readyz`, first.output);
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
    await client.chat.completions.create({ model: 'llama3.1', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-request-id': 'kept-1' } });
    const recorded = async (root: string) => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const response = await fetch(`${root}/v1/requests/kept-1`);
        if (response.status === 200 || Date.now() > deadline) return { status: response.status, body: await response.json() };
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    expect(await recorded(`http://127.0.0.1:${port}`)).toMatchObject({ status: 200, body: { id: 'kept-1', status: 'succeeded', provider: 'openai' } });

    const second = start([], { ...env(), PORT: String(await freePort()) });
    children.push(second.child);
    const [code] = await once(second.child, 'exit');
    expect(code).toBe(1);
    expect(second.output()).toMatch(/in use by process \d+/);

    expect(await stop(first.child)).toBe(0);
    const restartedPort = await freePort();
    const restarted = start([], { ...env(), PORT: String(restartedPort) });
    children.push(restarted.child);
    await waitUntilReady(`http://127.0.0.1:${restartedPort}/readyz`, restarted.output);
    expect(await recorded(`http://127.0.0.1:${restartedPort}`)).toMatchObject({ status: 200, body: { id: 'kept-1', requested_model: 'llama3.1' } });
  }, 90_000);

  it('starts with no provider and answers with what to configure', async () => {
    const port = await freePort();
    const gateway = start([], { PORT: String(port) });
    children.push(gateway.child);
    await waitUntilReady(`http://127.0.0.1:${port}/readyz`, gateway.output);
    const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('no_provider_configured');
    expect(body.error.message).toContain('OPENAI_API_KEY');
  });

  it('refuses an invalid config file with the exact path in the message', async () => {
    const file = path.join(tmpdir(), `switchyard-bad-${process.pid}.yaml`);
    writeFileSync(file, 'server:\n  port: "eighty"\n');
    const gateway = start(['--config', file], {});
    const [code] = await once(gateway.child, 'exit');
    expect(code).toBe(1);
    expect(gateway.output()).toMatch(/server\.port: .*expected number/);
  });

  it('refuses a route to an unknown provider with the path of the target', async () => {
    const file = path.join(tmpdir(), `switchyard-bad-route-${process.pid}.yaml`);
    writeFileSync(file, 'providers:\n  openai: { kind: openai, models: ["*"] }\nroutes:\n  smart:\n    strategy: fallback\n    targets:\n      - { provider: openai, model: a }\n      - { provider: azure, model: b }\n');
    const gateway = start(['--config', file], { PORT: '0' });
    const [code] = await once(gateway.child, 'exit');
    expect(code).toBe(1);
    expect(gateway.output()).toContain('routes.smart.targets[1].provider: unknown provider "azure"');
    expect(gateway.output()).not.toContain('    at ');
  });

  it('runs as four services over gRPC and Kafka, records requests, and drains an in-flight stream on SIGTERM', async () => {
    await requireKafka();
    await requirePostgres();
    const [port, routerPort, adaptersPort, observabilityPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const run = `cli-${process.pid}-${Date.now()}`;
    const configFile = path.join(tmpdir(), `switchyard-distributed-${process.pid}.yaml`);
    writeFileSync(
      configFile,
      [
        'providers:',
        `  local: { kind: openai, baseUrl: "${upstream.baseUrl}", models: ["*"] }`,
        'services:',
        `  router: "127.0.0.1:${routerPort}"`,
        `  adapters: "127.0.0.1:${adaptersPort}"`,
        `  observability: "127.0.0.1:${observabilityPort}"`,
        'events:',
        `  kafka: { brokers: ["placeholder:9092"], topicPrefix: "${run}." }`,
        'observability:',
        `  consumerGroup: "${run}"`,
        '  metricsPort: 0',
        '',
      ].join('\n'),
    );
    const env = {
      PORT: String(port),
      SWITCHYARD_KAFKA_BROKERS: KAFKA_BROKERS.join(','),
      SWITCHYARD_POSTGRES_URL: POSTGRES_URL,
      SWITCHYARD_SPOOL_DIR: temporaryDirectory('spool'),
    };
    const router = start(['router', '--config', configFile], env);
    const adapters = start(['adapters', '--config', configFile], env);
    const observability = start(['observability', '--config', configFile], env);
    children.push(router.child, adapters.child, observability.child);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const gateway = start(['gateway', '--config', configFile], env);
    children.push(gateway.child);
    const everyOutput = () => [gateway, router, adapters, observability].map((service) => service.output()).join('');
    await waitUntilReady(`http://127.0.0.1:${port}/readyz`, everyOutput);

    const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
    upstream.enqueue({ kind: 'json-fixture', file: 'vercel-ai/packages/openai/src/chat/__fixtures__/openai-text.json' });
    await client.chat.completions.create({ model: 'qwen2', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-request-id': `${run}-first` } });
    // gateway → Kafka → observability consumer → Postgres, read back through the gateway's query API.
    const deadline = Date.now() + 30_000;
    let recorded: Response | undefined;
    while (Date.now() < deadline && recorded?.status !== 200) {
      recorded = await fetch(`http://127.0.0.1:${port}/v1/requests/${run}-first`);
      if (recorded.status !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(recorded?.status).toBe(200);
    expect(await recorded!.json()).toMatchObject({ id: `${run}-first`, status: 'succeeded', provider: 'local', requested_model: 'qwen2' });

    upstream.enqueue({ kind: 'stream-fixture', file: textStream, chunkDelayMs: 20 });
    const stream = await client.chat.completions.create({ model: 'qwen2', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const iterator = stream[Symbol.asyncIterator]();
    let text = ((await iterator.next()).value?.choices[0]?.delta?.content as string) ?? '';
    const exited = once(gateway.child, 'exit');
    gateway.child.kill('SIGTERM');
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) text += next.value.choices[0]?.delta?.content ?? '';
    expect(text).toBe(summarizeOpenAIStream(textStream).text);
    const [code] = await exited;
    expect(code).toBe(0);
    expect(await stop(observability.child)).toBe(0);
  }, 60_000);
});
