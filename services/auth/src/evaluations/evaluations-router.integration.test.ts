import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { createAdminRouter } from '../admin-api/create-admin-router';
import type { AdminActionEvent } from '../admin-api/admin-action-event';
import { InProcessKeyInvalidationBus } from '../keys/key-invalidation';
import { DATABASE_KINDS, openTestGovernanceDatabase, type TestGovernanceDatabase } from '../storage/__fixtures__/governance-databases';
import type { GovernanceStore } from '../storage/governance-store';
import { EvaluationRunner } from './evaluation-runner';
import { EvaluationStore } from './evaluation-store';
import { createEvaluationsRouter } from './evaluations-router';
import type { GatewayClient } from './gateway-client';
import type { PromptLabels } from './prompt-labels';
import { InMemoryPromptLabels, InProcessGateway } from './__fixtures__/in-process-evaluations';

jest.setTimeout(60_000);

const ADMIN_TOKEN = 'evaluations-admin-' + 'x'.repeat(24);

interface AdminApp {
  url: string;
  runner: EvaluationRunner;
  events: AdminActionEvent[];
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** The admin router with the evaluation routes mounted, as a gateway serves them, on a loopback port. */
async function startAdminApp(governance: GovernanceStore, store: EvaluationStore, gateway: GatewayClient, prompts: PromptLabels): Promise<AdminApp> {
  const events: AdminActionEvent[] = [];
  const runner = new EvaluationRunner({
    store,
    openGateway: async () => ({ client: gateway, release: async () => undefined }),
    leaseMs: 30_000,
    maxAttempts: 1,
    webhookTimeoutMs: 1_000,
    allowPrivateWebhooks: false,
  });
  const invalidations = new InProcessKeyInvalidationBus();
  const app = express();
  app.use(
    createAdminRouter({
      store: governance,
      keyHashSecret: randomBytes(32),
      invalidations,
      adminToken: ADMIN_TOKEN,
      onAdminAction: (event) => {
        events.push(event);
      },
      routes: [
        createEvaluationsRouter({
          governance,
          store,
          runner,
          prompts,
          maxDatasetItems: 100,
          defaultConcurrency: 2,
          maxConcurrency: 4,
          allowPrivateWebhooks: false,
        }),
      ],
    }),
  );
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/v1`;
  return {
    url,
    runner,
    events,
    async call(method, path, body) {
      const response = await fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
    },
    async close() {
      await runner.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await invalidations.close();
    },
  };
}

const ITEMS = 10;
/** Items whose answer is right under `rightShare`: with 0.6, items 0–5 of 10. */
const answerWith = (rightShare: number) => (body: Record<string, unknown>) => {
  const variables = (body.prompt as { variables: { n: string } }).variables;
  return Number(variables.n) < rightShare * ITEMS ? `hello ${variables.n}` : 'goodbye';
};
const CSV = ['input.n,expected_output,source', ...Array.from({ length: ITEMS }, (_, index) => `${index},hello ${index},"made, by hand"`)].join(
  '\r\n',
);

describe.each(DATABASE_KINDS)('evaluation runs and promotions (%s)', (kind) => {
  let database: TestGovernanceDatabase;
  let store: EvaluationStore;
  const apps: AdminApp[] = [];
  const workspace = 'team-a';
  const prompts = new InMemoryPromptLabels();

  beforeAll(async () => {
    database = await openTestGovernanceDatabase(kind);
    await database.store.createOrganization({ id: 'acme', displayName: 'acme', createdBy: 'test' });
    for (const id of [workspace, 'team-b']) await database.store.createWorkspace({ id, organization: 'acme', displayName: id, createdBy: 'test' });
    store = new EvaluationStore(database.client);
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  afterAll(async () => {
    await database?.dispose();
  });

  async function start(gateway: GatewayClient): Promise<AdminApp> {
    const app = await startAdminApp(database.store, store, gateway, prompts);
    apps.push(app);
    return app;
  }

  async function finished(app: AdminApp, runId: string) {
    await app.runner.whenSettled(runId);
    return (await app.call('GET', `/workspaces/${workspace}/evaluations/${runId}?include=results`)).body;
  }

  it('imports CSV, runs a prompt version and refuses its promotion below the threshold, audited', async () => {
    const gateway = new InProcessGateway(answerWith(0.6));
    const app = await start(gateway);
    const dataset = await app.call('POST', `/workspaces/${workspace}/datasets`, { name: 'greetings', csv: CSV });
    expect(dataset.status).toBe(201);
    expect(dataset.body.item_count).toBe(ITEMS);
    const items = await app.call('GET', `/workspaces/${workspace}/datasets/greetings/items?limit=2`);
    expect(items.body).toMatchObject({
      has_more: true,
      next_after: 1,
      data: [{ input: { n: '0' }, expected_output: 'hello 0', metadata: { source: 'made, by hand' } }, { position: 1 }],
    });

    const run = await app.call('POST', `/workspaces/${workspace}/evaluations`, {
      dataset: 'greetings',
      prompt: { name: 'greeting', version: 2 },
      model: 'gpt-4o-mini',
      evaluators: [{ kind: 'exact' }, { name: 'polite', kind: 'contains', value: 'hello' }],
    });
    expect(run.status).toBe(202);
    const weak = await finished(app, run.body.id);
    expect(weak).toMatchObject({ status: 'completed', scores: { exact: { count: 10, mean: 0.6 }, polite: { mean: 0.6 } } });
    // Each item asked the gateway to render the prompt version with the item's variables.
    expect(gateway.chats[0].body).toEqual({ model: 'gpt-4o-mini', prompt: { name: 'greeting', version: 2, variables: { n: expect.any(String) } } });
    expect(gateway.chats[0].headers['x-switchyard-session-id']).toBe(run.body.id);
    // Each score was attached to its item's request.
    expect(gateway.scores).toHaveLength(2 * ITEMS);
    expect(new Set(gateway.scores.map((score) => score.requestId))).toEqual(new Set(weak.results.map((result: any) => result.request_id)));

    prompts.labels.set(`${workspace}/greeting/staging`, 2);
    prompts.labels.set(`${workspace}/greeting/production`, 1);
    const noPolicy = await app.call('POST', `/workspaces/${workspace}/prompts/greeting/promote`, { version: 2, evaluation_run: weak.id });
    expect(noPolicy.status).toBe(409);
    expect(noPolicy.body.error.code).toBe('no_promotion_policy');

    const policy = await app.call('PUT', `/workspaces/${workspace}/prompts/greeting/promotion-policy`, {
      evaluators: { exact: { min_mean: 0.8 }, polite: { min_mean: 0.5 } },
      dataset: 'greetings',
    });
    expect(policy.status).toBe(200);
    expect(policy.body).toMatchObject({
      object: 'promotion_policy',
      prompt: 'greeting',
      evaluators: { exact: { min_mean: 0.8 } },
      dataset: dataset.body.id,
    });

    const refused = await app.call('POST', `/workspaces/${workspace}/prompts/greeting/promote`, {
      version: 2,
      from: 'staging',
      to: 'production',
      evaluation_run: weak.id,
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'evaluation_failed',
      failing_scores: [{ evaluator: 'exact', min_mean: 0.8, mean: 0.6, reason: 'The mean 0.6 is below 0.8.' }],
    });
    expect(prompts.labels.get(`${workspace}/greeting/production`)).toBe(1);
    expect(app.events.filter((event) => event.action === 'prompts.promote').map((event) => event.outcome)).toEqual(['denied', 'allowed', 'denied']);
    expect(app.events.at(-1)).toMatchObject({
      outcome: 'denied',
      target: { type: 'prompt', id: 'greeting', workspace },
      after: { failing_scores: [{ evaluator: 'exact' }] },
    });

    // A better run of the same version passes, and the label moves.
    const better = new InProcessGateway(answerWith(1));
    const secondApp = await start(better);
    const strong = await secondApp.call('POST', `/workspaces/${workspace}/evaluations`, {
      dataset: dataset.body.id,
      prompt: { name: 'greeting', version: 2 },
      model: 'gpt-4o-mini',
      evaluators: [{ kind: 'exact' }, { name: 'polite', kind: 'contains', value: 'hello' }],
    });
    expect((await finished(secondApp, strong.body.id)).scores.exact.mean).toBe(1);
    const promoted = await secondApp.call('POST', `/workspaces/${workspace}/prompts/greeting/promote`, {
      version: 2,
      evaluation_run: strong.body.id,
    });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toEqual({
      object: 'prompt_promotion',
      prompt: 'greeting',
      version: 2,
      from: 'staging',
      to: 'production',
      previous_version: 1,
      evaluation_run: strong.body.id,
    });
    expect(prompts.labels.get(`${workspace}/greeting/production`)).toBe(2);
    expect(secondApp.events.at(-1)).toMatchObject({ action: 'prompts.promote', outcome: 'allowed', before: { label: 'production', version: 1 } });

    // A run of another version, or one not in the `from` stage, is refused.
    const mismatch = await secondApp.call('POST', `/workspaces/${workspace}/prompts/greeting/promote`, {
      version: 3,
      evaluation_run: strong.body.id,
    });
    expect(mismatch.body.error.code).toBe('evaluation_run_mismatch');
  });

  it('resumes an interrupted run after a restart, doing only what is left', async () => {
    const gateway = new InProcessGateway(answerWith(1));
    let release!: () => void;
    gateway.hold = { after: 4, released: new Promise((resolve) => (release = resolve)) };
    const first = await start(gateway);
    await first.call('POST', `/workspaces/${workspace}/datasets`, { name: 'resumable', csv: CSV });
    const run = await first.call('POST', `/workspaces/${workspace}/evaluations`, {
      dataset: 'resumable',
      prompt: { name: 'greeting', version: 1 },
      model: 'gpt-4o-mini',
      evaluators: [{ kind: 'exact' }],
      concurrency: 1,
    });
    // The fifth item waits: four are done.
    await until(() => gateway.chats.length === 5);
    const busy = await first.call('POST', `/workspaces/${workspace}/evaluations/${run.body.id}/resume`);
    expect(busy.status).toBe(409);
    expect(busy.body.error.code).toBe('run_in_progress');

    // The process stops: the run is left interrupted, with what it had done.
    await first.close();
    apps.splice(apps.indexOf(first), 1);
    release();
    const second = await start(gateway);
    const interrupted = (await second.call('GET', `/workspaces/${workspace}/evaluations/${run.body.id}`)).body;
    expect(interrupted).toMatchObject({ status: 'interrupted', progress: { done: 4, total: ITEMS } });

    const resumed = await second.call('POST', `/workspaces/${workspace}/evaluations/${run.body.id}/resume`);
    expect(resumed.status).toBe(202);
    const done = await finished(second, run.body.id);
    expect(done).toMatchObject({ status: 'completed', progress: { done: ITEMS, failed: 0 }, scores: { exact: { count: ITEMS, mean: 1 } } });
    // Four items before the stop, the one in flight again, then the other five: no finished item ran twice.
    expect(gateway.chats).toHaveLength(ITEMS + 1);
  });

  it('shows a run whose process died as interrupted, and resumes it once its lease has lapsed', async () => {
    const app = await start(new InProcessGateway(answerWith(1)));
    const dataset = (await store.getDataset(workspace, 'greetings'))!;
    const run = await store.createRun({
      workspace,
      dataset: dataset.id,
      prompt: { name: 'greeting', version: 1 },
      model: 'gpt-4o-mini',
      evaluators: [{ name: 'exact', kind: 'exact' }],
      concurrency: 2,
      totalItems: dataset.itemCount,
      createdBy: 'test',
    });
    // A process took it and died: its lease ran out a second ago.
    expect(await store.claimRun(run.id, new Date(Date.now() - 1_000), new Date(Date.now() - 2_000))).toBe(true);
    const orphaned = await app.call('GET', `/workspaces/${workspace}/evaluations/${run.id}`);
    expect(orphaned.body).toMatchObject({ status: 'interrupted', progress: { done: 0 } });
    const resumed = await app.call('POST', `/workspaces/${workspace}/evaluations/${run.id}/resume`);
    expect(resumed.status).toBe(202);
    expect(await finished(app, run.id)).toMatchObject({ status: 'completed', progress: { done: ITEMS } });
  });

  it('keeps every workspace to its own runs and datasets', async () => {
    const app = await start(new InProcessGateway(answerWith(1)));
    const [run] = await store.listRuns(workspace, 1);
    const other = await app.call('GET', `/workspaces/team-b/evaluations/${run.id}`);
    expect(other.status).toBe(404);
    const datasets = await app.call('GET', `/workspaces/team-b/datasets`);
    expect(datasets.body.data).toEqual([]);
    const unknownWorkspace = await app.call('GET', `/workspaces/nowhere/datasets`);
    expect(unknownWorkspace.status).toBe(404);
    const overflow = await app.call('POST', `/workspaces/${workspace}/datasets/greetings/items`, {
      items: Array.from({ length: 95 }, () => ({ input: 'x' })),
    });
    expect(overflow.status).toBe(413);
    expect(overflow.body.error.code).toBe('dataset_full');
  });
});

/** Polls a condition in process (no I/O to wait on): each turn of the event loop, up to 10 s. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('The condition did not hold within 10 s.');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
