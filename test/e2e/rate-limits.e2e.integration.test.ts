import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { freePort, POSTGRES_URL, REDIS_URL, requirePostgres, requireRedis } from '../support/infrastructure';
import { startSwitchyardProcess, stopProcess, waitUntilReady, type SwitchyardProcess } from '../support/switchyard-process';

/**
 * A rate limit shared through Redis by two `switchyard` processes, started
 * as a user starts them (the built command, a config file), under
 * concurrent load sent to both: between them they admit the limit, and no
 * more than 1 % over what refilled meanwhile.
 */

const LIMIT = 150;

const children: ChildProcess[] = [];
let directory: string;
let upstream: MockOpenAIUpstream;
/** The run's own workspace, so its buckets are new in the shared Redis. */
const workspace = `e2e-limits-${randomBytes(4).toString('hex')}`;
/** Both processes authenticate with the same admin token; the key is made through the admin API. */
const adminToken = `limits-admin-${randomBytes(12).toString('hex')}`;
const signingKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

function start(config: string, port: number): SwitchyardProcess {
  return startSwitchyardProcess(children, {
    config,
    port,
    // Records go to the shared Postgres rather than an embedded database per process (lighter on a small machine).
    env: {
      SWITCHYARD_POSTGRES_URL: POSTGRES_URL,
      SWITCHYARD_REDIS_URL: REDIS_URL,
      SWITCHYARD_ADMIN_TOKEN: adminToken,
      SWITCHYARD_AUDIT_SIGNING_KEY: signingKey,
    },
  });
}

beforeAll(async () => {
  await requireRedis();
  await requirePostgres();
  upstream = await startMockOpenAIUpstream();
  directory = mkdtempSync(path.join(tmpdir(), 'switchyard-limits-'));
});

afterAll(async () => {
  await Promise.all(children.splice(0).map(stopProcess));
  await upstream?.close();
  if (directory) rmSync(directory, { recursive: true, force: true });
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`switchyard:ratelimit:*:workspace:${workspace}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
}, 30_000);

it('holds a rate limit across two gateway processes under concurrent load (over-admission within 1 %)', async () => {
  const config = path.join(directory, 'switchyard.yaml');
  writeFileSync(
    config,
    [
      'server: { host: 127.0.0.1 }',
      'providers:',
      `  openai: { kind: openai, baseUrl: "${upstream.baseUrl}", models: ["*"] }`,
      'governance:',
      '  redisUrl: ${SWITCHYARD_REDIS_URL}',
      '  onRedisFailure: closed',
      `  rateLimits: [{ scope: workspace, match: "${workspace}", requestsPerMinute: ${LIMIT} }]`,
      '',
    ].join('\n'),
  );
  const ports = [await freePort(), await freePort()];
  const gateways = ports.map((port) => start(config, port));
  await Promise.all(gateways.map((gateway, index) => waitUntilReady(`http://127.0.0.1:${ports[index]}/readyz`, gateway.output)));
  // The run's workspace and a key in it, through one gateway's admin API: both find them in the shared Postgres.
  const admin = async (path: string, body: unknown): Promise<{ key?: string }> => {
    const response = await fetch(`http://127.0.0.1:${ports[0]}/admin/v1/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { key?: string };
  };
  await admin('workspaces', { id: workspace, organization: 'default' });
  const { key } = await admin('keys', { workspace, name: 'limits' });

  const attemptsEach = 2 * LIMIT;
  const inFlightEach = 15;
  const statuses = new Map<number, number>();
  let refusal: { headers: Headers; body: string } | undefined;
  const started = Date.now();
  await Promise.all(
    ports.flatMap((port) =>
      Array.from({ length: inFlightEach }, async () => {
        for (let attempt = 0; attempt < attemptsEach / inFlightEach; attempt++) {
          const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hi' }] }),
          });
          const body = await response.text();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status === 429) refusal ??= { headers: response.headers, body };
        }
      }),
    ),
  );
  const elapsedMs = Date.now() - started;
  const admitted = statuses.get(200) ?? 0;
  expect([...statuses.keys()].sort()).toEqual([200, 429]);
  expect(upstream.requests).toHaveLength(admitted);
  const refilled = Math.ceil(elapsedMs / (60_000 / LIMIT));
  expect(admitted).toBeGreaterThanOrEqual(LIMIT);
  expect(admitted).toBeLessThanOrEqual(Math.floor((LIMIT + refilled) * 1.01));

  expect(Number(refusal?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(refusal?.headers.get('x-ratelimit-limit-requests')).toBe(String(LIMIT));
  expect(JSON.parse(refusal?.body ?? '{}')).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', param: null } });
}, 180_000);
