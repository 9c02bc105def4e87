import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { create } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import OpenAI from 'openai';
import { healthV1 } from '@switchyard/proto';
import { healthServiceDefinition } from '@switchyard/rpc';
import { fixturePath } from '../support/fixtures';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { summarizeOpenAIStream } from '../support/recorded-stream';
import { freePort, KAFKA_BROKERS, POSTGRES_URL, requireKafka, requirePostgres } from '../support/infrastructure';
import { TestCertificates } from '../support/test-certificates';
import { waitFor } from '../support/wait-for';

/** A model the mock upstream lists at GET /v1/models, so zero-config discovery finds it. */
const SERVED_MODEL = 'gpt-4.1-nano-2025-04-14';

/**
 * The built `switchyard` command, run as a user runs it: separate processes,
 * configured from the environment alone. (jest's globalSetup builds it first,
 * so it is the current source.)
 */
const cli = path.resolve(__dirname, '../../packages/cli/dist/cli.js');
const textStream = fixturePath(
  'provider-responses/openai-python/.inline-snapshot/external/e2aad469b71d1d4894ff833ea147020a9d875eb7ce644a0ff355581690a4cbfd.bin',
);

/** Every directory and process a test makes, removed and stopped after it even when it failed. */
const temporaryDirectories: string[] = [];
const children: ChildProcess[] = [];

function temporaryDirectory(label: string): string {
  const directory = mkdtempSync(path.join(tmpdir(), `switchyard-${label}-`));
  temporaryDirectories.push(directory);
  return directory;
}

function start(args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [cli, ...args], {
    // Each process its own embedded database: two processes must never share one.
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', SWITCHYARD_DATA_DIR: temporaryDirectory('data'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stdout.on('data', (data) => (output += data));
  child.stderr.on('data', (data) => (output += data));
  return { child, output: () => output };
}

/** Resolves once `url` answers 200; throws with the processes' output when it does not within 60 s. */
async function waitUntilReady(url: string, output: () => string): Promise<void> {
  const status = () =>
    fetch(url).then(
      (response) => response.status,
      () => 0,
    );
  await waitFor(status, (code) => code === 200, { timeoutMs: 60_000, what: url, intervalMs: 50 }).catch(() => {
    throw new Error(`not ready: ${url}\n${output()}`);
  });
}

/** Resolves once something accepts TCP connections on the loopback port. */
async function waitUntilListening(port: number, output: () => string): Promise<void> {
  const accepts = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        socket.destroy();
        resolve(false);
      });
    });
  await waitFor(accepts, (listening) => listening, { timeoutMs: 60_000, what: `port ${port}`, intervalMs: 50 }).catch(() => {
    throw new Error(`nothing listens on port ${port}\n${output()}`);
  });
}

/** A virtual key made as an operator makes one: `switchyard keys create` against the running server. */
async function createKey(port: number, adminToken: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [cli, 'keys', 'create', '--workspace', 'default', '--name', 'e2e', '--url', `http://127.0.0.1:${port}`],
    { env: { PATH: process.env.PATH ?? '', SWITCHYARD_ADMIN_TOKEN: adminToken } },
  );
  const { key } = JSON.parse(stdout) as { key: string };
  expect(key).toMatch(/^sk-sy-/);
  return key;
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGTERM, then SIGKILL if the process is still there after 20 s; resolves with its exit code (null when killed). */
async function stop(child: ChildProcess): Promise<number | null> {
  if (hasExited(child)) return child.exitCode;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  try {
    const [code] = await exited;
    return code as number | null;
  } finally {
    clearTimeout(killer);
  }
}

/** The status of a health check on `port` with these credentials: OK, or the gRPC code the call failed with. */
function healthCheck(port: number, credentials: grpc.ChannelCredentials): Promise<string> {
  const client = new grpc.Client(`127.0.0.1:${port}`, credentials);
  const { path: method, requestSerialize, responseDeserialize } = healthServiceDefinition.check;
  return new Promise<string>((resolve) =>
    client.makeUnaryRequest(
      method,
      requestSerialize,
      responseDeserialize,
      create(healthV1.HealthCheckRequestSchema),
      { deadline: Date.now() + 10_000 },
      (error) => resolve(error ? grpc.status[error.code] : 'OK'),
    ),
  ).finally(() => client.close());
}

describe('the switchyard command', () => {
  let upstream: MockOpenAIUpstream;

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
  });

  afterEach(async () => {
    await Promise.all(children.splice(0).map(stop));
    upstream.reset();
  }, 30_000);

  afterAll(async () => {
    await upstream?.close();
    for (const directory of temporaryDirectories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });

  it('starts embedded from OPENAI_BASE_URL alone and serves the openai SDK, streaming and not', async () => {
    // Without SWITCHYARD_ADMIN_TOKEN on purpose: the zero-config local-development mode, loopback and no credential.
    const port = await freePort();
    const gateway = start([], { OPENAI_BASE_URL: upstream.baseUrl, PORT: String(port) });
    await waitUntilReady(`http://127.0.0.1:${port}/readyz`, gateway.output);

    const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
    // The models are the server's own, asked of it (GET /models), not OpenAI's names.
    const listed = await waitFor(
      async () => (await client.models.list()).data.map((model) => model.id),
      (ids) => ids.includes(SERVED_MODEL),
      { timeoutMs: 30_000, what: "the upstream's models in /v1/models", intervalMs: 50 },
    );
    expect(listed).not.toContain('gpt-4o-mini');
    const unknown = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(unknown).toMatchObject({ status: 404, code: 'model_not_found' });
    expect(upstream.requests.filter((request) => request.method === 'POST')).toHaveLength(0);

    const completion = await client.chat.completions.create({ model: SERVED_MODEL, messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0].message.content?.length).toBeGreaterThan(0);

    upstream.enqueue({ kind: 'stream-fixture', file: textStream });
    let text = '';
    for await (const chunk of await client.chat.completions.create({
      model: SERVED_MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    })) {
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(text).toBe(summarizeOpenAIStream(textStream).text);
    expect(upstream.requests.filter((request) => request.method === 'POST').map((request) => request.body.model)).toEqual([
      SERVED_MODEL,
      SERVED_MODEL,
    ]);
    // Logs are JSON with the request id on request lines, and never contain the prompt.
    const completedLines = () =>
      gateway
        .output()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
        // The two served completions (the model lists and the 404 above have their lines too).
        .filter((line) => line.msg === 'request-completed' && line.route === 'chat.completion' && line.status === 200);
    await waitFor(completedLines, (lines) => lines.length >= 2, { timeoutMs: 10_000, what: 'two request-completed lines', intervalMs: 20 });
    expect(completedLines()).toHaveLength(2);
    for (const line of completedLines())
      expect(line).toMatchObject({ requestId: expect.any(String), status: 200, provider: 'openai', model: SERVED_MODEL });
    expect(gateway.output()).not.toContain('"hi"');
  }, 90_000);

  it('records requests in its embedded database, keeps them across a restart, and refuses a second process on it', async () => {
    const dataDirectory = path.join(temporaryDirectory('records'), 'data');
    const adminToken = `cli-admin-${randomBytes(12).toString('hex')}`;
    const env = () => ({
      OPENAI_BASE_URL: upstream.baseUrl,
      SWITCHYARD_DATA_DIR: dataDirectory,
      SWITCHYARD_ADMIN_TOKEN: adminToken,
      SWITCHYARD_AUDIT_SIGNING_KEY_FILE: path.join(path.dirname(dataDirectory), 'audit-signing-key.pem'),
    });
    const port = await freePort();
    const first = start([], { ...env(), PORT: String(port) });
    await waitUntilReady(`http://127.0.0.1:${port}/readyz`, first.output);
    const apiKey = await createKey(port, adminToken);
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey, maxRetries: 0 });
    await client.chat.completions.create(
      { model: SERVED_MODEL, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-request-id': 'kept-1' } },
    );
    const recorded = async (root: string) => {
      const read = async () => {
        // The key, like the records, is kept in the data directory across the restart.
        const response = await fetch(`${root}/v1/requests/kept-1`, { headers: { authorization: `Bearer ${apiKey}` } });
        return { status: response.status, body: await response.json() };
      };
      return waitFor(read, ({ status }) => status === 200, { timeoutMs: 30_000, what: 'the record of kept-1' });
    };
    expect(await recorded(`http://127.0.0.1:${port}`)).toMatchObject({
      status: 200,
      body: { id: 'kept-1', status: 'succeeded', provider: 'openai' },
    });

    const second = start([], { ...env(), PORT: String(await freePort()) });
    const [code] = await once(second.child, 'exit');
    expect(code).toBe(1);
    expect(second.output()).toMatch(/in use by process \d+/);

    expect(await stop(first.child)).toBe(0);
    const restartedPort = await freePort();
    const restarted = start([], { ...env(), PORT: String(restartedPort) });
    await waitUntilReady(`http://127.0.0.1:${restartedPort}/readyz`, restarted.output);
    expect(await recorded(`http://127.0.0.1:${restartedPort}`)).toMatchObject({ status: 200, body: { id: 'kept-1', requested_model: SERVED_MODEL } });
    expect(first.output() + restarted.output()).not.toContain(apiKey);
  }, 240_000);

  it('starts with no provider and answers with what to configure', async () => {
    // The first thing a new user sees, so in the zero-config mode: no credential.
    const port = await freePort();
    const gateway = start([], { PORT: String(port) });
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
  }, 90_000);

  it('listens on loopback, requires the admin token once it is set, and logs the address it is bound to', async () => {
    const port = await freePort();
    const token = 'cli-admin-token-0123456789abcdef';
    const gateway = start([], { OPENAI_BASE_URL: upstream.baseUrl, PORT: String(port), SWITCHYARD_ADMIN_TOKEN: token });
    await waitUntilReady(`http://127.0.0.1:${port}/readyz`, gateway.output);
    const refused = await fetch(`http://127.0.0.1:${port}/v1/models`);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: 'invalid_api_key', type: 'invalid_request_error' } });
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: token, maxRetries: 0 });
    expect((await client.models.list()).data.length).toBeGreaterThan(0);
    const lines = gateway
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line));
    expect(lines.find((line) => line.msg === 'gateway-listening')).toMatchObject({ url: `http://127.0.0.1:${port}` });
    expect(lines.find((line) => line.msg === 'authentication-required')).toBeDefined();
    expect(gateway.output()).not.toContain(token);
  }, 90_000);

  it('refuses to serve another address without authentication, naming server.allowUnauthenticated', async () => {
    const file = path.join(temporaryDirectory('exposed'), 'switchyard.yaml');
    writeFileSync(file, 'server:\n  host: 0.0.0.0\n');
    const gateway = start(['--config', file], { PORT: '0' });
    const [code] = await once(gateway.child, 'exit');
    expect(code).toBe(1);
    expect(gateway.output()).toMatch(/server\.allowUnauthenticated: must be true to serve server\.host 0\.0\.0\.0 without authentication/);
  });

  it('answers an unknown option with its name and the usage, not a stack trace', async () => {
    const gateway = start(['--port', '9090'], {});
    const [code] = await once(gateway.child, 'exit');
    expect(code).toBe(2);
    expect(gateway.output()).toContain("switchyard: Unknown option '--port'");
    expect(gateway.output()).toContain('Usage: switchyard');
    expect(gateway.output()).not.toMatch(/\n\s+at /);
  });

  it('refuses an invalid config file with the exact path in the message', async () => {
    const file = path.join(temporaryDirectory('bad-config'), 'switchyard.yaml');
    writeFileSync(file, 'server:\n  port: "eighty"\n');
    const gateway = start(['--config', file], {});
    const [code] = await once(gateway.child, 'exit');
    expect(code).toBe(1);
    expect(gateway.output()).toMatch(/server\.port: .*expected number/);
  });

  it('refuses a route to an unknown provider with the path of the target', async () => {
    const file = path.join(temporaryDirectory('bad-route'), 'switchyard.yaml');
    writeFileSync(
      file,
      'providers:\n  openai: { kind: openai, models: ["*"] }\nroutes:\n  smart:\n    strategy: fallback\n    targets:\n      - { provider: openai, model: a }\n      - { provider: azure, model: b }\n',
    );
    const gateway = start(['--config', file], { PORT: '0' });
    const [code] = await once(gateway.child, 'exit');
    expect(code).toBe(1);
    expect(gateway.output()).toContain('routes.smart.targets[1].provider: unknown provider "azure"');
    expect(gateway.output()).not.toContain('    at ');
  });

  it('refuses to serve the adapters on a non-loopback address without TLS, naming the setting', async () => {
    const file = path.join(temporaryDirectory('plaintext-adapters'), 'switchyard.yaml');
    writeFileSync(file, `services:\n  adapters: "0.0.0.0:${await freePort()}"\n`);
    const adapters = start(['adapters', '--config', file], {});
    const [code] = await once(adapters.child, 'exit');
    expect(code).toBe(1);
    expect(adapters.output()).toContain('services.adapters: 0.0.0.0:');
    expect(adapters.output()).toContain('is not a loopback address, and gRPC without TLS is refused there');
  });

  it('runs the semantic service alone: gRPC health to callers with a certificate only, and a clean stop on SIGTERM', async () => {
    const certificates = await TestCertificates.create();
    temporaryDirectories.push(certificates.directory);
    const authority = await certificates.authority('cli-semantic');
    const identity = await authority.issue('cli-semantic');
    const semanticPort = await freePort();
    const configFile = path.join(temporaryDirectory('semantic'), 'switchyard.yaml');
    // requireClientCert off: the semantic service requires a client certificate anyway.
    writeFileSync(configFile, ['services:', `  semantic: "127.0.0.1:${semanticPort}"`, 'tls:', '  requireClientCert: false', ''].join('\n'));
    const semantic = start(['semantic', '--config', configFile], {
      SWITCHYARD_TLS_CA: authority.ca,
      SWITCHYARD_TLS_CERT: identity.cert,
      SWITCHYARD_TLS_KEY: identity.key,
    });
    await waitUntilListening(semanticPort, semantic.output);
    const ca = readFileSync(authority.ca);
    expect(await healthCheck(semanticPort, grpc.credentials.createSsl(ca, readFileSync(identity.key), readFileSync(identity.cert)))).toBe('OK');
    expect(await healthCheck(semanticPort, grpc.credentials.createSsl(ca))).toBe('UNAVAILABLE');
    expect(semantic.output()).toContain('semantic-listening');
    expect(await stop(semantic.child)).toBe(0);
  });

  it('runs as four services over gRPC (mutual TLS) and Kafka, records requests, and drains an in-flight stream on SIGTERM', async () => {
    await requireKafka();
    await requirePostgres();
    const certificates = await TestCertificates.create();
    temporaryDirectories.push(certificates.directory);
    const authority = await certificates.authority('cli');
    const identity = await authority.issue('cli-service');
    // Every process gets its certificate from the environment, as a deployment mounts it.
    const tls = { SWITCHYARD_TLS_CA: authority.ca, SWITCHYARD_TLS_CERT: identity.cert, SWITCHYARD_TLS_KEY: identity.key };
    const [port, routerPort, adaptersPort, observabilityPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const run = `cli-${process.pid}-${Date.now()}`;
    const configFile = path.join(temporaryDirectory('distributed'), 'switchyard.yaml');
    writeFileSync(
      configFile,
      [
        'providers:',
        `  local: { kind: openai, baseUrl: "${upstream.baseUrl}", apiKey: "\${LOCAL_UPSTREAM_KEY}", models: ["*"] }`,
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
    // Each service is given only what it uses: the provider key only to the adapters, Postgres to observability (and, below, the gateway).
    const kafka = { SWITCHYARD_KAFKA_BROKERS: KAFKA_BROKERS.join(',') };
    const router = start(['router', '--config', configFile], tls);
    const adapters = start(['adapters', '--config', configFile], { ...tls, LOCAL_UPSTREAM_KEY: 'sk-adapters-only' });
    const observability = start(['observability', '--config', configFile], { ...tls, ...kafka, SWITCHYARD_POSTGRES_URL: POSTGRES_URL });
    // The gateway starts once the services it calls listen.
    const servicesOutput = () => [router, adapters, observability].map((service) => service.output()).join('');
    await Promise.all([routerPort, adaptersPort, observabilityPort].map((servicePort) => waitUntilListening(servicePort, servicesOutput)));
    // The adapters answer only a caller whose certificate the CA signed.
    const ca = readFileSync(authority.ca);
    expect(await healthCheck(adaptersPort, grpc.credentials.createSsl(ca, readFileSync(identity.key), readFileSync(identity.cert)))).toBe('OK');
    expect(await healthCheck(adaptersPort, grpc.credentials.createSsl(ca))).toBe('UNAVAILABLE');
    expect(await healthCheck(adaptersPort, grpc.credentials.createInsecure())).toBe('UNAVAILABLE');
    // The gateway authenticates: its keys and audit trail live in Postgres, the audit trail signed with a key of the run's.
    const adminToken = `cli-admin-${randomBytes(12).toString('hex')}`;
    const gateway = start(['gateway', '--config', configFile], {
      ...tls,
      ...kafka,
      PORT: String(port),
      SWITCHYARD_SPOOL_DIR: temporaryDirectory('spool'),
      SWITCHYARD_ADMIN_TOKEN: adminToken,
      SWITCHYARD_POSTGRES_URL: POSTGRES_URL,
      SWITCHYARD_AUDIT_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    const everyOutput = () => [gateway, router, adapters, observability].map((service) => service.output()).join('');
    await waitUntilReady(`http://127.0.0.1:${port}/readyz`, everyOutput);
    const apiKey = await createKey(port, adminToken);

    const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey, maxRetries: 0 });
    upstream.enqueue({ kind: 'json-fixture', file: 'vercel-ai/packages/openai/src/chat/__fixtures__/openai-text.json' });
    await client.chat.completions.create(
      { model: 'qwen2', messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-request-id': `${run}-first` } },
    );
    // gateway → Kafka → observability consumer → Postgres, read back through the gateway's query API.
    const read = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/v1/requests/${run}-first`, { headers: { authorization: `Bearer ${apiKey}` } });
      return { status: response.status, body: await response.json() };
    };
    const recorded = await waitFor(read, ({ status }) => status === 200, { timeoutMs: 60_000, what: `the record of ${run}-first`, intervalMs: 200 });
    expect(recorded.body).toMatchObject({ id: `${run}-first`, status: 'succeeded', provider: 'local', requested_model: 'qwen2' });
    expect(upstream.requests.at(-1)?.headers.authorization).toBe('Bearer sk-adapters-only');
    expect(everyOutput()).not.toContain('sk-adapters-only');
    expect(everyOutput()).not.toContain(apiKey);
    expect(everyOutput()).not.toContain('audit-trail-off');

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
  }, 120_000);
});
