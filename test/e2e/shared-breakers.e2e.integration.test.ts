import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort, POSTGRES_URL, REDIS_URL, requirePostgres, requireRedis } from '../support/infrastructure';
import { startSwitchyardProcess, stopProcess, waitUntilReady } from '../support/switchyard-process';
import { waitFor } from '../support/wait-for';

/**
 * A circuit breaker opened by one `switchyard` process is open in another
 * that shares its Redis within a second, so neither sends more traffic to a
 * failing deployment: two real processes started from one config file, as a
 * user runs two replicas.
 */

const children: ChildProcess[] = [];
let directory: string;
let upstream: Server;
let upstreamCalls = 0;
/** The run's own provider id, so its breaker keys are new in the shared Redis. */
const provider = `flaky-${randomBytes(4).toString('hex')}`;
const deployment = `${provider}/m`;

beforeAll(async () => {
  await requireRedis();
  await requirePostgres();
  // An OpenAI-compatible server that is down: every request a 500 in OpenAI's error format.
  upstream = createServer((request, response) => {
    upstreamCalls++;
    request.resume();
    request.on('end', () => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error' } }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  directory = mkdtempSync(path.join(tmpdir(), 'switchyard-breakers-'));
});

afterAll(async () => {
  await Promise.all(children.splice(0).map(stopProcess));
  await new Promise((resolve) => upstream?.close(resolve));
  if (directory) rmSync(directory, { recursive: true, force: true });
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`*${provider}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
}, 30_000);

/** The deployment's breaker state in a gateway's metrics: 0 closed, 1 half-open, 2 open; undefined before it has one. */
async function breakerState(port: number): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`switchyard_breaker_state{deployment="${deployment}"}`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function chat(port: number): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: deployment, messages: [{ role: 'user', content: 'hi' }] }),
    signal: AbortSignal.timeout(30_000),
  });
}

it('opens a breaker in a second gateway process within one second of the first', async () => {
  const config = path.join(directory, 'switchyard.yaml');
  const { port: upstreamPort } = upstream.address() as AddressInfo;
  writeFileSync(
    config,
    [
      'server: { host: 127.0.0.1 }',
      'providers:',
      `  ${provider}: { kind: openai, baseUrl: "http://127.0.0.1:${upstreamPort}/v1", models: [m] }`,
      'governance:',
      '  redisUrl: ${SWITCHYARD_REDIS_URL}',
      'breakers: { minimumRequests: 4, errorThresholdPercent: 50, openMs: 60000 }',
      '',
    ].join('\n'),
  );
  const ports = [await freePort(), await freePort()];
  const env = { SWITCHYARD_POSTGRES_URL: POSTGRES_URL, SWITCHYARD_REDIS_URL: REDIS_URL };
  const gateways = ports.map((port) => startSwitchyardProcess(children, { config, port, env }));
  await Promise.all(gateways.map((gateway, index) => waitUntilReady(`http://127.0.0.1:${ports[index]}/readyz`, gateway.output)));
  const [first, second] = ports;

  // Four failures through the first gateway: over the minimum volume, all failed.
  for (let request = 0; request < 4; request++) {
    const answer = await chat(first);
    expect(answer.status).toBe(502);
    expect(answer.headers.get('x-switchyard-attempt-list')).toBe(`${deployment}=server_error`);
  }
  expect(upstreamCalls).toBe(4);
  await waitFor(
    () => breakerState(first),
    (state) => state === 2,
    { timeoutMs: 10_000, what: 'the breaker open in the first gateway' },
  );

  // The second gateway never called the deployment; the open reaches it through Redis.
  await waitFor(
    () => breakerState(second),
    (state) => state === 2,
    { timeoutMs: 1_000, intervalMs: 20, what: 'the breaker open in the second gateway' },
  );
  const skipped = await chat(second);
  expect(skipped.status).toBe(503);
  expect(skipped.headers.get('x-switchyard-attempt-list')).toBe(`${deployment}=breaker_open+skipped`);
  expect(await skipped.json()).toMatchObject({ error: { code: 'breaker_open' } });
  expect(upstreamCalls).toBe(4);
}, 120_000);
