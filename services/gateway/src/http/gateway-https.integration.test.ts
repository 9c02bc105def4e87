import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import pino from 'pino';
import type { EventPublisher } from '@switchyard/events';
import { LocalProviderAdapterService } from '@switchyard/provider-adapters';
import { LocalRouterService } from '@switchyard/router';
import { ConfigError, configSchema, type ObservabilityQueryService, type SwitchyardConfig } from '@switchyard/shared';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../../../../test/support/mock-openai-upstream';
import { TestCertificates, type IssuedCertificate, type TestAuthority } from '../../../../test/support/test-certificates';
import { waitFor } from '../../../../test/support/wait-for';
import { startGatewayServer, type GatewayServer } from '../gateway-server';

/**
 * The gateway serving HTTPS itself (`server.tls`), over real sockets: a TLS
 * client that verifies the chain reads it, the official `openai` SDK (in a
 * child process trusting the test CA the standard way, NODE_EXTRA_CA_CERTS)
 * completes chats through it, and a renewed certificate written over the
 * files is served to new connections without a restart.
 */

const run = promisify(execFile);
const DEADLINE_MS = 10_000;

const noEvents: EventPublisher = { publish: () => undefined, close: async () => undefined };
const noQueries: ObservabilityQueryService = {
  listRequests: async () => ({ requests: [] }),
  getRequest: async () => undefined,
  usage: async () => [],
  deleteUserData: async () => ({ requests: 0, usage: 0, costs: 0 }),
  getTrace: async () => undefined,
  listTraces: async () => ({ traces: [] }),
};

/** The gateway's log lines, to wait on what it did with a certificate. */
class LogCapture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

interface Handshake {
  authorized: boolean;
  serialNumber: string;
  protocol: string | null;
  response: string;
}

/** One TLS connection that verifies the server against `ca`, sends `GET path` and reads the whole answer. */
function fetchOverTls(port: number, ca: string, path: string): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca: readFileSync(ca), servername: 'localhost' }, () => {
      const peer: PeerCertificate = socket.getPeerCertificate();
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () =>
        resolve({
          authorized: socket.authorized,
          serialNumber: peer.serialNumber,
          protocol: socket.getProtocol(),
          response: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      socket.write(`GET ${path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n`);
    });
    socket.setTimeout(DEADLINE_MS, () => socket.destroy(new Error('no answer over TLS')));
    socket.on('error', reject);
  });
}

/** Runs the official SDK in a child process that trusts `ca` as any Node program would; prints what it got. */
async function openAISdk(baseURL: string, ca: string, script: string): Promise<unknown> {
  const program = `
    const OpenAI = require('openai').default;
    (async () => {
      const client = new OpenAI({ baseURL: ${JSON.stringify(baseURL)}, apiKey: 'unused', maxRetries: 0, timeout: ${DEADLINE_MS} });
      ${script}
    })().catch((error) => { console.error(String(error && error.stack || error)); process.exit(1); });
  `;
  const { stdout } = await run(process.execPath, ['-e', program], {
    cwd: process.cwd(),
    env: { ...process.env, NODE_EXTRA_CA_CERTS: ca },
    timeout: DEADLINE_MS * 2,
  });
  return JSON.parse(stdout);
}

describe('the gateway over HTTPS (server.tls)', () => {
  let certificates: TestCertificates;
  let authority: TestAuthority;
  let issued: IssuedCertificate;
  let upstream: MockOpenAIUpstream;
  let adapters: LocalProviderAdapterService;
  let gateway: GatewayServer | undefined;
  let logs: LogCapture;

  function config(tls: Record<string, unknown>): SwitchyardConfig {
    return configSchema.parse({
      server: { tls },
      providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'] } },
    });
  }

  async function start(tls: Record<string, unknown>): Promise<GatewayServer> {
    const settings = config(tls);
    gateway = await startGatewayServer({
      config: settings,
      router: new LocalRouterService(settings),
      adapters,
      events: noEvents,
      observability: noQueries,
      logger: pino({ level: 'info' }, logs),
      port: 0,
    });
    return gateway;
  }

  beforeAll(async () => {
    certificates = await TestCertificates.create();
    authority = await certificates.authority('gateway');
    upstream = await startMockOpenAIUpstream();
    adapters = new LocalProviderAdapterService(
      configSchema.parse({ providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'] } } }),
    );
  });

  beforeEach(async () => {
    logs = new LogCapture();
    issued = await authority.issue('gateway');
  });

  afterEach(async () => {
    await gateway?.close(1_000);
    gateway = undefined;
    upstream.reset();
  });

  afterAll(async () => {
    await adapters?.close();
    await upstream?.close();
    await certificates?.remove();
  });

  it('serves HTTPS with the given certificate to a client that verifies it', async () => {
    const server = await start({ cert: issued.cert, key: issued.key });
    expect(server.url).toBe(`https://127.0.0.1:${server.port}`);

    const answer = await fetchOverTls(server.port, authority.ca, '/healthz');
    expect(answer.authorized).toBe(true);
    expect(answer.serialNumber).toBe(issued.serialNumber);
    expect(answer.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(answer.response).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('answers the official openai SDK over HTTPS, streaming and not', async () => {
    const server = await start({ cert: issued.cert, key: issued.key });
    const baseURL = `https://localhost:${server.port}/v1`;

    const completion = (await openAISdk(
      baseURL,
      authority.ca,
      `const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] });
       console.log(JSON.stringify({ object: completion.object, content: completion.choices[0].message.content }));`,
    )) as { object: string; content: string };
    expect(completion.object).toBe('chat.completion');
    expect(completion.content.length).toBeGreaterThan(0);

    const streamed = (await openAISdk(
      baseURL,
      authority.ca,
      `const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }], stream: true });
       let chunks = 0; let text = '';
       for await (const chunk of stream) { chunks += 1; text += chunk.choices[0]?.delta?.content ?? ''; }
       console.log(JSON.stringify({ chunks, text }));`,
    )) as { chunks: number; text: string };
    expect(streamed.chunks).toBeGreaterThan(1);
    expect(streamed.text.length).toBeGreaterThan(0);
    // Both reached the provider through the gateway.
    expect(upstream.requests.map((request) => request.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
  });

  it('refuses a client that does not trust the certificate, and the SDK says so', async () => {
    const server = await start({ cert: issued.cert, key: issued.key });
    const stranger = await (await certificates.authority('stranger')).issue('stranger');
    await expect(fetchOverTls(server.port, stranger.cert, '/healthz')).rejects.toThrow(/certificate/i);
    // Without the CA, the SDK's fetch fails to verify the chain; nothing reaches the provider.
    const program = `new (require('openai').default)({ baseURL: 'https://localhost:${server.port}/v1', apiKey: 'unused', maxRetries: 0 })
      .models.list().then(() => process.exit(0), (error) => {
        const reasons = [];
        for (let cause = error; cause; cause = cause.cause) reasons.push(cause.code || cause.message);
        console.log(reasons.join(' <- '));
        process.exit(3);
      });`;
    const failure = await run(process.execPath, ['-e', program], { cwd: process.cwd(), timeout: DEADLINE_MS * 2 }).then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    expect(failure?.code).toBe(3);
    expect(failure?.stdout).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT/);
    expect(upstream.requests).toHaveLength(0);
  });

  it('serves a renewed certificate to new connections without a restart, and ignores a pair that does not match', async () => {
    const server = await start({ cert: issued.cert, key: issued.key, reloadIntervalMs: 50 });
    expect((await fetchOverTls(server.port, authority.ca, '/healthz')).serialNumber).toBe(issued.serialNumber);

    const renewed = await authority.issue('gateway', { into: { cert: issued.cert, key: issued.key } });
    const after = await waitFor(
      () => fetchOverTls(server.port, authority.ca, '/healthz'),
      (answer) => answer.serialNumber === renewed.serialNumber,
      { timeoutMs: DEADLINE_MS, what: 'the renewed certificate to be served', intervalMs: 50 },
    );
    expect(logs.text).toContain('https-certificate-reloaded');
    expect(after.authorized).toBe(true);
    expect(after.response).toMatch(/^HTTP\/1\.1 200 /);

    // A certificate whose key is not the one on disk: refused, the renewed pair stays in use.
    const other = await authority.issue('gateway');
    // The renewal itself may have been caught half-written (and refused): only what follows counts.
    const logged = logs.text.length;
    await writeFile(issued.cert, readFileSync(other.cert));
    await waitFor(
      () => logs.text.slice(logged),
      (text) => text.includes('https-certificate-refused'),
      { timeoutMs: DEADLINE_MS, what: 'the mismatched pair to be refused' },
    );
    expect(logs.text.slice(logged)).toContain('server.tls.key does not fit server.tls.cert');
    const still = await fetchOverTls(server.port, authority.ca, '/healthz');
    expect(still.serialNumber).toBe(renewed.serialNumber);
  });

  it('does not start without a readable, matching certificate and key, naming the path', async () => {
    await expect(start({ cert: `${issued.cert}.missing`, key: issued.key })).rejects.toThrow(ConfigError);
    await expect(start({ cert: `${issued.cert}.missing`, key: issued.key })).rejects.toThrow(/server\.tls\.cert: cannot read .*ENOENT/);
    const other = await authority.issue('other');
    await expect(start({ cert: issued.cert, key: other.key })).rejects.toThrow(/server\.tls\.key does not fit server\.tls\.cert/);
    expect(() => config({ cert: issued.cert })).toThrow(/key/);
  });
});
