import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { KEY_INVALIDATION_CHANNEL } from '../../services/auth/src/keys/key-invalidation';
import { freePort, POSTGRES_URL, REDIS_URL, requirePostgres, requireRedis } from '../support/infrastructure';
import { startSwitchyardProcess, stopProcess, waitUntilReady, type SwitchyardProcess } from '../support/switchyard-process';
import { waitFor } from '../support/wait-for';

/**
 * A key revoked through the admin API of one `switchyard` process is refused
 * by another within a second, although the other had verified it and holds
 * it in its cache: two processes started as a user starts them (the built
 * command, a config file), sharing the keys in Postgres and the revocations
 * over Redis pub/sub.
 */

const children: ChildProcess[] = [];
let directory: string;
let subscriber: Redis | undefined;

function start(config: string, port: number, adminToken: string, signingKey: string): SwitchyardProcess {
  return startSwitchyardProcess(children, {
    config,
    port,
    env: {
      SWITCHYARD_ADMIN_TOKEN: adminToken,
      // Both processes on the same records database: the keys (and the audit trail) are shared there.
      SWITCHYARD_POSTGRES_URL: POSTGRES_URL,
      SWITCHYARD_REDIS_URL: REDIS_URL,
      SWITCHYARD_AUDIT_SIGNING_KEY: signingKey,
    },
  });
}

beforeAll(async () => {
  await requireRedis();
  await requirePostgres();
  directory = mkdtempSync(path.join(tmpdir(), 'switchyard-revocation-'));
});

afterAll(async () => {
  await Promise.all(children.splice(0).map(stopProcess));
  subscriber?.disconnect();
  if (directory) rmSync(directory, { recursive: true, force: true });
}, 30_000);

it('refuses a key revoked on gateway A at gateway B, which had it cached, within 1 s', async () => {
  const config = path.join(directory, 'switchyard.yaml');
  // Verified keys trusted for 10 minutes: within the test only the revocation message can make B ask again.
  writeFileSync(
    config,
    ['server: { host: 127.0.0.1 }', 'governance: { redisUrl: "${SWITCHYARD_REDIS_URL}" }', 'keys: { cache: { ttlMs: 600000 } }', ''].join('\n'),
  );
  const adminToken = `revocation-admin-${randomBytes(12).toString('hex')}`;
  const signingKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const ports = [await freePort(), await freePort()];
  const [a, b] = ports.map((port) => start(config, port, adminToken, signingKey));
  await Promise.all([a, b].map((gateway, index) => waitUntilReady(`http://127.0.0.1:${ports[index]}/readyz`, gateway.output)));
  const [originA, originB] = ports.map((port) => `http://127.0.0.1:${port}`);
  const admin = (path: string, body: unknown) =>
    fetch(`${originA}/admin/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const models = (origin: string, key: string) => fetch(`${origin}/v1/models`, { headers: { authorization: `Bearer ${key}` } });

  const created = await admin('/keys', { workspace: 'default', name: 'revocation-e2e' });
  expect(created.status).toBe(201);
  const { id, key } = (await created.json()) as { id: string; key: string };
  // B looks the key up in the shared database once, and keeps it in its cache.
  expect((await models(originB, key)).status).toBe(200);
  expect((await models(originB, key)).status).toBe(200);

  // The test listens on the channel too: the revocation must travel over Redis, naming the key.
  subscriber = new Redis(REDIS_URL, { lazyConnect: true });
  await subscriber.connect();
  await subscriber.subscribe(KEY_INVALIDATION_CHANNEL);
  const messages: string[] = [];
  subscriber.on('message', (channel: string, message: string) => {
    if (channel === KEY_INVALIDATION_CHANNEL) messages.push(message);
  });
  const published = () => messages.some((message) => (JSON.parse(message) as { keyId?: string }).keyId === id);

  const revoked = await admin(`/keys/${id}/revoke`, {});
  expect(revoked.status).toBe(200);
  // A deadline of 1 s from the revocation's answer bounds the wait: B must refuse before it passes.
  const refusal = await waitFor(
    () => models(originB, key).then(async (response) => ({ status: response.status, body: await response.json() })),
    ({ status }) => status !== 200,
    { timeoutMs: 1_000, what: 'gateway B to refuse the revoked key', intervalMs: 20 },
  );
  expect(refusal).toEqual({ status: 401, body: { error: expect.objectContaining({ code: 'invalid_api_key', type: 'invalid_request_error' }) } });
  await waitFor(published, (seen) => seen, { timeoutMs: 5_000, what: `the invalidation of ${id} on ${KEY_INVALIDATION_CHANNEL}`, intervalMs: 20 });
  expect((await models(originA, key)).status).toBe(401);
  expect(a.output() + b.output()).not.toContain(key);
}, 120_000);
