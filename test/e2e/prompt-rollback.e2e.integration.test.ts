import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPostgresClient, createSchema, quoteIdentifier } from '@switchyard/database';
import { freePort, POSTGRES_URL, REDIS_URL, requirePostgres, requireRedis } from '../support/infrastructure';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { startSwitchyardProcess, stopProcess, waitUntilReady, type SwitchyardProcess } from '../support/switchyard-process';
import { waitFor } from '../support/wait-for';

/**
 * A prompt label rolled back through the admin API of one `switchyard`
 * process reaches new requests on another within a second, although the
 * other holds the label in its cache for ten minutes: two processes started
 * as a user starts them, sharing the prompts in Postgres and the label moves
 * over Redis pub/sub.
 */

const children: ChildProcess[] = [];
let directory: string;
let upstream: MockOpenAIUpstream;
const schema = `prompts_e2e_${randomBytes(6).toString('hex')}`;

beforeAll(async () => {
  await requireRedis();
  await requirePostgres();
  // A schema of the suite's own: both processes keep their tables there, and it is dropped afterwards.
  const client = createPostgresClient({ url: POSTGRES_URL, poolSize: 1 });
  try {
    await createSchema(client, schema);
  } finally {
    await client.close();
  }
  directory = mkdtempSync(path.join(tmpdir(), 'switchyard-prompts-'));
  upstream = await startMockOpenAIUpstream();
});

afterAll(async () => {
  await Promise.all(children.splice(0).map(stopProcess));
  await upstream?.close();
  if (directory) rmSync(directory, { recursive: true, force: true });
  const client = createPostgresClient({ url: POSTGRES_URL, poolSize: 1 });
  try {
    await client.exec(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
  } finally {
    await client.close();
  }
}, 30_000);

function start(config: string, port: number, adminToken: string, signingKey: string): SwitchyardProcess {
  const separator = POSTGRES_URL.includes('?') ? '&' : '?';
  return startSwitchyardProcess(children, {
    config,
    port,
    env: {
      SWITCHYARD_ADMIN_TOKEN: adminToken,
      SWITCHYARD_POSTGRES_URL: `${POSTGRES_URL}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      SWITCHYARD_REDIS_URL: REDIS_URL,
      SWITCHYARD_AUDIT_SIGNING_KEY: signingKey,
    },
  });
}

it('serves the rolled-back version on gateway B, which had the label cached, within 1 s of the rollback on gateway A', async () => {
  const config = path.join(directory, 'switchyard.yaml');
  // Prompts trusted for 10 minutes: within the test only the label-move message can make B read again.
  writeFileSync(
    config,
    [
      'server: { host: 127.0.0.1 }',
      'governance: { redisUrl: "${SWITCHYARD_REDIS_URL}" }',
      'prompts: { cache: { ttlMs: 600000 } }',
      `providers: { openai: { kind: openai, baseUrl: "${upstream.baseUrl}", models: ["*"] } }`,
      '',
    ].join('\n'),
  );
  const adminToken = `prompts-admin-${randomBytes(12).toString('hex')}`;
  const signingKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const ports = [await freePort(), await freePort()];
  const [a, b] = ports.map((port) => start(config, port, adminToken, signingKey));
  await Promise.all([a, b].map((gateway, index) => waitUntilReady(`http://127.0.0.1:${ports[index]}/readyz`, gateway.output)));
  const [originA, originB] = ports.map((port) => `http://127.0.0.1:${port}`);
  const admin = async (method: string, route: string, body: unknown) => {
    const response = await fetch(`${originA}/admin/v1/workspaces/default/prompts${route}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const version = (text: string) => ({ name: 'welcome', type: 'text', template: `${text} {{who}}.`, variables: { who: { type: 'string' } } });
  /** The content gateway B sends upstream for a request by label. */
  const sentByB = async (): Promise<string> => {
    const before = upstream.requests.length;
    const response = await fetch(`${originB}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4.1-nano', prompt: { name: 'welcome', label: 'production', variables: { who: 'Ada' } } }),
    });
    expect(response.status).toBe(200);
    await response.text();
    return upstream.requests[before].body.messages[0].content as string;
  };

  expect((await admin('POST', '', { ...version('Hello'), labels: ['production'] })).status).toBe(201);
  expect((await admin('POST', '', version('Greetings'))).status).toBe(201);
  expect(await admin('PUT', '/welcome/labels/production', { version: 2 })).toMatchObject({ status: 200, body: { version: 2, previous_version: 1 } });
  // B reads production (version 2) once and keeps it in its cache.
  expect(await sentByB()).toBe('Greetings Ada.');
  expect(await sentByB()).toBe('Greetings Ada.');

  const rolledBack = await admin('POST', '/welcome/rollback', { label: 'production' });
  expect(rolledBack).toMatchObject({ status: 200, body: { label: 'production', version: 1, previous_version: 2, reason: 'rollback' } });
  // A deadline of 1 s from the rollback's answer bounds the wait: B must send version 1 before it passes.
  await waitFor(sentByB, (content) => content === 'Hello Ada.', {
    timeoutMs: 1_000,
    what: 'gateway B to send the rolled-back version',
    intervalMs: 20,
  });

  // Both processes record the version each request used.
  const records = await waitFor(
    async () => {
      const response = await fetch(`${originB}/v1/requests?limit=50`, { headers: { authorization: `Bearer ${adminToken}` } });
      return ((await response.json()) as { data: Array<{ prompt: { name: string; version: number } | null }> }).data;
    },
    (data) => data.filter((record) => record.prompt !== null).length >= 3,
    { timeoutMs: 10_000, what: 'the records of B’s requests' },
  );
  expect(new Set(records.map((record) => record.prompt?.version))).toEqual(new Set([1, 2]));
  expect(records.every((record) => record.prompt?.name === 'welcome')).toBe(true);
}, 120_000);
