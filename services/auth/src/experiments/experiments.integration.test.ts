import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import express from 'express';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { eventsV1 } from '@switchyard/proto';
import { PostgresEventStore, runMigrations } from '@switchyard/observability';
import { InProcessKeyInvalidationBus } from '../keys/key-invalidation';
import { createAdminRouter } from '../admin-api/create-admin-router';
import type { AdminActionEvent } from '../admin-api/admin-action-event';
import { DATABASE_KINDS, openTestGovernanceDatabase, type TestGovernanceDatabase } from '../storage/__fixtures__/governance-databases';
import { InProcessLimitChangeBus } from '../stored-limits/limit-change-bus';
import { waitFor } from '../../../../test/support/wait-for';
import { normal, seededRandom } from './__fixtures__/simulated-traffic';
import { createExperimentRoutes } from './experiment-routes';
import { ExperimentStore } from './experiment-store';
import { StoredExperimentAssigner } from './stored-experiment-assigner';

jest.setTimeout(120_000);

const ADMIN_TOKEN = 'experiments-admin-token-' + 'x'.repeat(24);

/**
 * A/B tests through the admin API on real databases: created and read in
 * their workspace only, bad input refused with a 400 naming the field,
 * simulated traffic assigned by the gateway's assigner and recorded in the
 * records tables, the results naming the better arm with the stated
 * confidence, and stopping sending everyone to it.
 */
describe.each(DATABASE_KINDS)('experiments on %s', (kind) => {
  let database: TestGovernanceDatabase;
  let server: Server;
  let url: string;
  let assigner: StoredExperimentAssigner;
  /** A second gateway's assigner on the same tables, told of changes over the same bus. */
  let otherAssigner: StoredExperimentAssigner;
  let records: PostgresEventStore;
  let viewerToken: string;
  const events: AdminActionEvent[] = [];

  const call = async (method: string, path: string, body?: unknown, token: string = ADMIN_TOKEN) => {
    const response = await fetch(url + path, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  beforeAll(async () => {
    database = await openTestGovernanceDatabase(kind);
    // The records tables beside the governance tables, as in one process.
    await runMigrations(database.client);
    records = new PostgresEventStore(database.client);
    const store = new ExperimentStore(database.client);
    const bus = new InProcessLimitChangeBus();
    assigner = new StoredExperimentAssigner({ random: seededRandom(3) });
    await assigner.attach(store, bus);
    otherAssigner = new StoredExperimentAssigner({ random: seededRandom(4) });
    await otherAssigner.attach(new ExperimentStore(database.client), bus);
    const jwt = { secret: new Uint8Array(randomBytes(32)) };
    const app = express();
    app.use(
      createAdminRouter({
        store: database.store,
        keyHashSecret: randomBytes(32),
        invalidations: new InProcessKeyInvalidationBus(),
        adminToken: ADMIN_TOKEN,
        jwt,
        onAdminAction: (event) => {
          events.push(event);
        },
        routes: [createExperimentRoutes({ governance: database.store, store, assigner, records: database.client })],
      }),
    );
    server = await new Promise((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const body of [
      ['/admin/v1/organizations', { id: 'acme' }],
      ['/admin/v1/workspaces', { id: 'support', organization: 'acme' }],
      ['/admin/v1/workspaces', { id: 'sales', organization: 'acme' }],
    ] as const) {
      expect((await call('POST', body[0], body[1])).status).toBe(201);
    }
    const viewer = await call('POST', '/admin/v1/members', { workspace: 'support', subject: 'viewer-of-support', role: 'viewer' });
    viewerToken = (await call('POST', '/admin/v1/tokens', { member: viewer.body.id })).body.token;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await assigner?.close();
    await otherAssigner?.close();
    await database?.dispose();
  });

  /** One recorded request of an arm, as the gateway publishes it. */
  function recorded(fields: {
    experimentId: string;
    arm: string;
    user: string;
    latencyMs: number;
    failed?: boolean;
    costUsd?: number;
    index: number;
  }) {
    return {
      kind: 'request-completed' as const,
      event: create(eventsV1.RequestCompletedSchema, {
        eventId: `event-${fields.experimentId}-${fields.index}`,
        occurredAt: timestampFromDate(new Date()),
        requestId: `request-${fields.experimentId}-${fields.index}`,
        workspace: 'support',
        user: fields.user,
        traceId: randomBytes(16).toString('hex'),
        operation: eventsV1.Operation.CHAT_COMPLETION,
        requestedModel: 'gpt-4o-mini',
        status: fields.failed ? eventsV1.RequestStatus.FAILED : eventsV1.RequestStatus.SUCCEEDED,
        httpStatus: fields.failed ? 502 : 200,
        latencyMs: fields.latencyMs,
        costUsd: fields.costUsd ?? 0.001,
        experimentId: fields.experimentId,
        experimentArm: fields.arm,
      }),
    };
  }

  it('finds the arm with the known better latency under a sticky split, keeps each user on one arm, and stops to it', async () => {
    const created = await call('POST', '/admin/v1/workspaces/support/experiments', {
      name: 'greeting-latency',
      target: { prompt: 'greeting' },
      arms: [
        { name: 'control', prompt_version: 1, weight: 1 },
        { name: 'short', prompt_version: 2, weight: 1 },
      ],
      assignment: 'sticky_user',
      metric: { kind: 'latency' },
      stopping: { confidence: 0.95, min_samples: 50 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      object: 'experiment',
      workspace: 'support',
      target: { prompt: 'greeting' },
      arms: [
        { name: 'control', prompt_version: 1, model: null, weight: 1 },
        { name: 'short', prompt_version: 2, model: null, weight: 1 },
      ],
      assignment: 'sticky_user',
      metric: { kind: 'latency', score_name: null, goal: 'minimize' },
      stopping: { confidence: 0.95, min_samples: 50, effect_size: 0.2 },
      status: 'running',
      winner: null,
    });
    const id: string = created.body.id;
    expect(events.at(-1)).toMatchObject({
      action: 'experiments.manage',
      outcome: 'allowed',
      target: { type: 'experiment', id, workspace: 'support' },
    });

    // Simulated traffic: 120 users, 5 requests each, in random order; `short` is 20 ms faster (σ 40 ms).
    // The other gateway hears of the change over the bus and reloads on its own.
    await waitFor(
      () => otherAssigner.assign('support', { prompt: 'greeting' }, { user: 'probe', requestId: 'probe' })?.experimentId,
      (seen) => seen === id,
      { timeoutMs: 10_000, what: 'the second gateway to load the experiment' },
    );
    const random = seededRandom(2026);
    const users = Array.from({ length: 120 }, (_, index) => `user-${index}`);
    const traffic = users.flatMap((user) => Array.from({ length: 5 }, () => user)).sort(() => random() - 0.5);
    const batch = traffic.map((user, index) => {
      const assignment = (index % 2 === 0 ? assigner : otherAssigner).assign('support', { prompt: 'greeting' }, { user, requestId: `r${index}` });
      expect(assignment?.experimentId).toBe(id);
      const latencyMs = Math.max(1, normal(random, assignment!.arm === 'short' ? 180 : 200, 40));
      return recorded({ experimentId: id, arm: assignment!.arm, user, latencyMs, index, failed: random() < 0.02 });
    });
    await records.writeBatch(batch);
    // Another experiment's and another workspace's requests do not count.
    await records.writeBatch([recorded({ experimentId: 'exp_other', arm: 'control', user: 'x', latencyMs: 1, index: 0 })]);

    const perUser = await database.client.query<{ user_id: string; arms: string | number }>(
      `SELECT user_id, count(DISTINCT experiment_arm) AS arms FROM requests WHERE experiment_id = $1 GROUP BY user_id`,
      [id],
    );
    expect(perUser).toHaveLength(120);
    expect(perUser.every((row) => Number(row.arms) === 1)).toBe(true);

    const results = await call('GET', `/admin/v1/workspaces/support/experiments/${id}/results`, undefined, viewerToken);
    expect(results.status).toBe(200);
    expect(results.body.arms.map((arm: any) => arm.name)).toEqual(['control', 'short']);
    const total = results.body.arms.reduce((sum: number, arm: any) => sum + arm.requests, 0);
    expect(total).toBe(600);
    const [control, short] = results.body.arms;
    expect(short.latency_ms.mean).toBeLessThan(control.latency_ms.mean);
    expect(control.metric.samples).toBe(control.succeeded);
    expect(control.error_rate).toBeCloseTo(control.failed / (control.succeeded + control.failed), 10);
    expect(results.body.test).toMatchObject({ method: 'mSPRT', leader: 'short', winner: 'short', enough_samples: true });
    expect(results.body.test.stopping_rule).toMatch(/at least 50 requests in every arm/);
    expect(results.body.winner).toBe('short');
    expect(results.body.confidence).toBeGreaterThanOrEqual(0.95);

    // Stopping without naming a winner takes the test's; from then on every user gets it, in both gateways.
    const controlUser = users.find((user) => assigner.assign('support', { prompt: 'greeting' }, { user, requestId: 'before' })?.arm === 'control')!;
    const stopped = await call('POST', `/admin/v1/workspaces/support/experiments/${id}/stop`, {});
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ status: 'stopped', winner: 'short', stopped_by: 'admin' });
    await waitFor(
      () => otherAssigner.assign('support', { prompt: 'greeting' }, { user: controlUser, requestId: 'probe' })?.arm,
      (seen) => seen === 'short',
      { timeoutMs: 10_000, what: 'the second gateway to route to the winner' },
    );
    for (const user of users) {
      expect(assigner.assign('support', { prompt: 'greeting' }, { user, requestId: 'after' })).toEqual({
        experimentId: id,
        arm: 'short',
        promptVersion: 2,
      });
      expect(otherAssigner.assign('support', { prompt: 'greeting' }, { user, requestId: 'after' })?.arm).toBe('short');
    }
    expect((await call('POST', `/admin/v1/workspaces/support/experiments/${id}/stop`, {})).body.error.code).toBe('experiment_stopped');
    expect(assigner.assign('sales', { prompt: 'greeting' }, { user: 'user-1', requestId: 'x' })).toBeUndefined();
  });

  it('compares a feedback score per arm, and refuses to stop without a winner unless one is named', async () => {
    const created = await call('POST', '/admin/v1/workspaces/support/experiments', {
      name: 'model-helpfulness',
      target: { model: 'gpt-4o-mini' },
      arms: [
        { name: 'mini', model: 'gpt-4o-mini', weight: 1 },
        { name: 'large', model: 'gpt-4o', weight: 1 },
      ],
      metric: { kind: 'score', score_name: 'helpful' },
    });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    const assignment = assigner.assign('support', { model: 'gpt-4o-mini' }, { requestId: 'r' });
    expect(assignment).toMatchObject({ experimentId: id });
    expect(['gpt-4o-mini', 'gpt-4o']).toContain(assignment!.model);

    await records.writeBatch([
      recorded({ experimentId: id, arm: 'mini', user: 'a', latencyMs: 10, index: 1 }),
      recorded({ experimentId: id, arm: 'mini', user: 'b', latencyMs: 12, index: 2 }),
      recorded({ experimentId: id, arm: 'large', user: 'c', latencyMs: 30, index: 3 }),
    ]);
    const score = (requestIndex: number, value: number, scoreIndex: number) =>
      database.client.query(
        `INSERT INTO scores (score_id, workspace, request_id, trace_id, on_request, name, kind, numeric_value, comment, key_id)
         VALUES ($1, 'support', $2, '', true, 'helpful', 'numeric', $3, '', '')`,
        [`score-${id}-${scoreIndex}`, `request-${id}-${requestIndex}`, value],
      );
    await score(1, 1, 1);
    await score(1, 0, 2);
    await score(2, 1, 3);
    await score(3, 0.25, 4);

    const results = await call('GET', `/admin/v1/workspaces/support/experiments/${id}/results`);
    expect(results.status).toBe(200);
    const [mini, large] = results.body.arms;
    // Request 1's two scores average to 0.5; request 2 has 1: the arm's mean over scored requests is 0.75.
    expect(mini.scores).toEqual([{ name: 'helpful', requests: 2, mean: 0.75 }]);
    expect(mini.metric).toEqual({ samples: 2, mean: 0.75, variance: 0.125 });
    expect(large.scores).toEqual([{ name: 'helpful', requests: 1, mean: 0.25 }]);
    expect(results.body.test).toMatchObject({ leader: 'mini', winner: null, enough_samples: false });

    const refused = await call('POST', `/admin/v1/workspaces/support/experiments/${id}/stop`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'no_winner', message: expect.stringMatching(/name the `winner`/) });
    const badWinner = await call('POST', `/admin/v1/workspaces/support/experiments/${id}/stop`, { winner: 'medium' });
    expect(badWinner.status).toBe(400);
    expect(badWinner.body.error).toMatchObject({ param: 'winner', type: 'invalid_request_error' });
    const stopped = await call('POST', `/admin/v1/workspaces/support/experiments/${id}/stop`, { winner: 'large' });
    expect(stopped.body).toMatchObject({ status: 'stopped', winner: 'large' });
    expect(assigner.assign('support', { model: 'gpt-4o-mini' }, { requestId: 'r2' })).toEqual({ experimentId: id, arm: 'large', model: 'gpt-4o' });
  });

  it('refuses bad input with a 400 naming the field, and a second running test of a target with a 409', async () => {
    const base = {
      name: 'bad',
      target: { prompt: 'faq' },
      arms: [
        { name: 'a', prompt_version: 1 },
        { name: 'b', prompt_version: 2 },
      ],
    };
    const cases: Array<[unknown, string]> = [
      [{ ...base, name: 'has space' }, 'name'],
      [{ ...base, target: { prompt: 'faq', model: 'x' } }, 'target'],
      [{ ...base, arms: [base.arms[0]] }, 'arms'],
      [{ ...base, arms: [base.arms[0], { name: 'a', prompt_version: 2 }] }, 'arms[1].name'],
      [{ ...base, arms: [base.arms[0], { name: 'b' }] }, 'arms[1].prompt_version'],
      [{ ...base, arms: [base.arms[0], { name: 'b', prompt_version: 2, weight: 0 }] }, 'arms[1].weight'],
      [{ ...base, arms: [base.arms[0], { name: 'b', prompt_version: 2, colour: 'red' }] }, 'arms[1].colour'],
      [
        {
          ...base,
          target: { model: 'gpt-4o' },
          arms: [
            { name: 'a', model: 'x' },
            { name: 'b', prompt_version: 1, model: 'y' },
          ],
        },
        'arms[1].prompt_version',
      ],
      [{ ...base, assignment: 'round_robin' }, 'assignment'],
      [{ ...base, metric: { kind: 'score' } }, 'metric.score_name'],
      [{ ...base, metric: { kind: 'latency', goal: 'up' } }, 'metric.goal'],
      [{ ...base, stopping: { confidence: 1 } }, 'stopping.confidence'],
      [{ ...base, stopping: { min_samples: 1 } }, 'stopping.min_samples'],
      [{ ...base, extra: true }, 'extra'],
    ];
    for (const [body, param] of cases) {
      const answer = await call('POST', '/admin/v1/workspaces/support/experiments', body);
      expect({ param, status: answer.status, error: answer.body.error.param }).toEqual({ param, status: 400, error: param });
      expect(answer.body.error.type).toBe('invalid_request_error');
    }
    expect((await call('GET', '/admin/v1/workspaces/support/experiments')).body.data.some((each: any) => each.name === 'bad')).toBe(false);

    expect((await call('POST', '/admin/v1/workspaces/support/experiments', { ...base, name: 'faq-1' })).status).toBe(201);
    const second = await call('POST', '/admin/v1/workspaces/support/experiments', { ...base, name: 'faq-2' });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('experiment_running');
    const sameName = await call('POST', '/admin/v1/workspaces/support/experiments', { ...base, name: 'faq-1', target: { prompt: 'other' } });
    expect(sameName.status).toBe(409);
    expect(sameName.body.error.code).toBe('already_exists');
  });

  it('keeps experiments in their workspace and checks the caller’s role', async () => {
    const created = await call('POST', '/admin/v1/workspaces/sales/experiments', {
      name: 'pitch',
      target: { model: 'claude-sonnet-4-5' },
      arms: [
        { name: 'a', model: 'claude-sonnet-4-5' },
        { name: 'b', model: 'claude-haiku-4-5' },
      ],
    });
    expect(created.status).toBe(201);
    // Under another workspace's path it does not exist.
    for (const path of ['', '/results']) {
      const answer = await call('GET', `/admin/v1/workspaces/support/experiments/${created.body.id}${path}`);
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('not_found');
    }
    expect((await call('POST', `/admin/v1/workspaces/support/experiments/${created.body.id}/stop`, { winner: 'a' })).status).toBe(404);
    expect((await call('GET', '/admin/v1/workspaces/nowhere/experiments')).status).toBe(404);

    // A viewer of support reads support's tests, cannot start one, and sees nothing of sales.
    expect((await call('GET', '/admin/v1/workspaces/support/experiments', undefined, viewerToken)).status).toBe(200);
    const refused = await call(
      'POST',
      '/admin/v1/workspaces/support/experiments',
      {
        name: 'viewer-test',
        target: { prompt: 'p' },
        arms: [
          { name: 'a', prompt_version: 1 },
          { name: 'b', prompt_version: 2 },
        ],
      },
      viewerToken,
    );
    expect(refused.status).toBe(403);
    expect(events.at(-1)).toMatchObject({ action: 'experiments.manage', outcome: 'denied', target: { type: 'experiment', workspace: 'support' } });
    expect((await call('GET', '/admin/v1/workspaces/sales/experiments', undefined, viewerToken)).status).toBe(403);
  });
});
