import { alertsConfigSchema, configSchema, type AlertsConfig, type BudgetRule } from '@switchyard/shared';
import { eventsV1 } from '@switchyard/proto';
import { capturingLogger } from '../../../../packages/events/src/__fixtures__/sample-events';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../storage/__fixtures__/event-databases';
import { requestCompleted, requestEvent, timestamp } from '../storage/__fixtures__/events';
import { LocalObservabilityService } from '../local-observability-service';
import { startWebhookReceiver, type WebhookReceiver } from './__fixtures__/webhook-receiver';
import { AlertEvaluator } from './alert-evaluator';
import type { DeliveryClock } from './webhook-delivery';

jest.setTimeout(60_000);

const T0 = Date.parse('2026-03-02T12:00:00Z');
const at = (ms: number) => new Date(T0 + ms);
const iso = (ms: number) => at(ms).toISOString();
const CALL = { requestId: 'alerts-test', signal: new AbortController().signal };
const noWait: DeliveryClock = { random: () => 0.5, sleep: async () => undefined };

interface Traffic {
  count: number;
  atMs: number;
  failed?: number;
  httpStatus?: number;
  latencyMs?: number;
  costUsd?: number;
  provider?: string;
  workspace?: string;
}

describe.each(DATABASE_KINDS)('alert evaluation on %s', (kind) => {
  let database: TestDatabase;
  let receiver: WebhookReceiver;
  const evaluators: AlertEvaluator[] = [];
  let written = 0;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    receiver = await startWebhookReceiver();
  });

  beforeEach(async () => {
    await database.client.exec('TRUNCATE requests, alert_rules, alert_states, alert_history, alert_lease');
    receiver.received.splice(0);
  });

  afterEach(async () => {
    await Promise.all(evaluators.splice(0).map((evaluator) => evaluator.stop()));
  });

  afterAll(async () => {
    await receiver?.close();
    await database?.dispose();
  });

  async function record(traffic: Traffic): Promise<void> {
    const failed = traffic.failed ?? 0;
    await database.store.writeBatch(
      Array.from({ length: traffic.count }, (_, index) => {
        written += 1;
        const fails = index < failed;
        return requestEvent(
          requestCompleted({
            eventId: `evt-${written}`,
            requestId: `req-${written}`,
            occurredAt: timestamp(iso(traffic.atMs + index)),
            workspace: traffic.workspace ?? 'acme',
            provider: traffic.provider ?? 'openai',
            status: fails ? eventsV1.RequestStatus.FAILED : eventsV1.RequestStatus.SUCCEEDED,
            httpStatus: fails ? (traffic.httpStatus ?? 502) : 200,
            latencyMs: traffic.latencyMs ?? 100,
            costUsd: traffic.costUsd ?? 0,
          }),
        );
      }),
    );
  }

  function evaluator(alerts: Record<string, unknown>, clock: { now: number }, options: { holder?: string; budgets?: BudgetRule[] } = {}) {
    const config: AlertsConfig = alertsConfigSchema.parse({
      channels: { ops: { kind: 'slack', url: '${ALERTS_TEST_SLACK}' }, pager: { kind: 'webhook', url: '${ALERTS_TEST_HOOK}' } },
      ...alerts,
    });
    const { logger, lines } = capturingLogger('info');
    const created = new AlertEvaluator(database.client, {
      config,
      budgets: options.budgets,
      logger,
      holder: options.holder,
      now: () => at(clock.now),
      deliveryClock: noWait,
      env: { ALERTS_TEST_SLACK: `${receiver.url}/slack/T0/B0/secret-slack-token`, ALERTS_TEST_HOOK: `${receiver.url}/hook` },
    });
    evaluators.push(created);
    return { evaluator: created, lines };
  }

  const errorRule = { name: 'errors', kind: 'error_rate', threshold: 0.5, windowMs: 60_000, minRequests: 4, workspace: 'acme' };

  it('fires once when a rule crosses its threshold, and recovers once when it clears', async () => {
    const clock = { now: 0 };
    const { evaluator: alerts, lines } = evaluator({ rules: [errorRule], evaluationIntervalMs: 1_000 }, clock);
    await record({ count: 6, failed: 4, atMs: -10_000 });
    const fired = await alerts.evaluateNow();
    expect(fired.map(({ entry }) => [entry.rule, entry.state, entry.value])).toEqual([['errors', 'firing', 4 / 6]]);
    await alerts.deliveriesSettled();
    // Still firing at the next evaluations: no second notice.
    for (const now of [1_000, 2_000, 30_000]) {
      clock.now = now;
      expect(await alerts.evaluateNow()).toEqual([]);
    }
    // The failures leave the window; successes come in.
    clock.now = 55_000;
    await record({ count: 5, atMs: 52_000 });
    const recovered = await alerts.evaluateNow();
    expect(recovered.map(({ entry }) => [entry.state, entry.value])).toEqual([['resolved', 0]]);
    clock.now = 56_000;
    expect(await alerts.evaluateNow()).toEqual([]);
    await alerts.deliveriesSettled();

    const slack = receiver.at('/slack/T0/B0/secret-slack-token');
    expect(slack.map((notice) => notice.body.text)).toEqual([
      '[FIRING] errors: error rate 66.7% >= 50.0% over the last 1m (workspace acme)',
      '[RESOLVED] errors: error rate 0.0% < 50.0% over the last 1m (workspace acme)',
    ]);
    expect(slack[0].body.blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });
    const hook = receiver.at('/hook');
    expect(hook.map((notice) => notice.body)).toEqual([
      expect.objectContaining({
        type: 'alert.firing',
        rule: 'errors',
        kind: 'error_rate',
        workspace: 'acme',
        value: 4 / 6,
        threshold: 0.5,
        window_ms: 60_000,
      }),
      expect.objectContaining({ type: 'alert.resolved', rule: 'errors', value: 0, occurred_at: iso(55_000) }),
    ]);

    const service = new LocalObservabilityService(database.client);
    const history = await service.alertHistory({ from: at(-60_000), to: at(60_000), scope: ['acme'] }, CALL);
    expect(history.map((entry) => [entry.state, entry.occurredAt.toISOString(), entry.deliveries])).toEqual([
      ['resolved', iso(55_000), { ops: { status: 'sent', attempts: 1 }, pager: { status: 'sent', attempts: 1 } }],
      ['firing', iso(0), { ops: { status: 'sent', attempts: 1 }, pager: { status: 'sent', attempts: 1 } }],
    ]);
    // The secret part of a webhook URL is never logged.
    expect(JSON.stringify(lines)).not.toContain('secret-slack-token');
  });

  it('does not judge a window with fewer requests than minRequests', async () => {
    const clock = { now: 0 };
    const { evaluator: alerts } = evaluator({ rules: [errorRule] }, clock);
    await record({ count: 3, failed: 3, atMs: -1_000 });
    expect(await alerts.evaluateNow()).toEqual([]);
  });

  it('watches p95 latency, spend burn rate and provider outages per provider', async () => {
    const clock = { now: 0 };
    const { evaluator: alerts } = evaluator(
      {
        rules: [
          { name: 'slow', kind: 'latency_p95', threshold: 1_000, windowMs: 60_000, minRequests: 5 },
          { name: 'burn', kind: 'spend_burn_rate', threshold: 10, windowMs: 60_000, channels: ['pager'] },
          { name: 'outage', kind: 'provider_outage', threshold: 0.8, windowMs: 60_000, minRequests: 3 },
        ],
      },
      clock,
    );
    await record({ count: 10, atMs: -30_000, latencyMs: 2_500, costUsd: 0.02, provider: 'openai' });
    await record({ count: 4, failed: 4, httpStatus: 503, atMs: -20_000, provider: 'anthropic' });
    await record({ count: 4, failed: 4, httpStatus: 429, atMs: -20_000, provider: 'mistral' });
    const fired = await alerts.evaluateNow();
    // 0.2 USD in one minute is 12 USD an hour; only anthropic answered 5xx.
    expect(fired.map(({ entry }) => [entry.rule, entry.series, entry.state, Number(entry.value.toFixed(4))])).toEqual([
      ['slow', '', 'firing', 2_500],
      ['burn', '', 'firing', 12],
      ['outage', 'anthropic', 'firing', 1],
    ]);
    await alerts.deliveriesSettled();
    // Each channel is told on its own, concurrently: the order of arrival is not the order of the rules.
    expect(
      receiver
        .at('/hook')
        .map((notice) => notice.body.rule)
        .sort(),
    ).toEqual(['burn', 'outage', 'slow']);
    expect(
      receiver
        .at('/slack/T0/B0/secret-slack-token')
        .map((notice) => notice.body.text)
        .sort(),
    ).toEqual([
      '[FIRING] outage: provider 5xx rate 100.0% >= 80.0% over the last 1m (anthropic)',
      '[FIRING] slow: p95 latency 2500 ms >= 1000 ms over the last 1m',
    ]);
    // Everything ages out: each recovers once.
    clock.now = 120_000;
    const recovered = await alerts.evaluateNow();
    expect(recovered.map(({ entry }) => [entry.rule, entry.series, entry.state])).toEqual([
      ['slow', '', 'resolved'],
      ['burn', '', 'resolved'],
      ['outage', 'anthropic', 'resolved'],
    ]);
  });

  it('fires a budget threshold per subject within the budget period', async () => {
    const budgets = configSchema.parse({ governance: { budgets: [{ scope: 'workspace', limitUsd: 10, period: 'day' }] } }).governance.budgets;
    const clock = { now: 0 };
    const { evaluator: alerts } = evaluator({ rules: [{ name: 'budget-80', kind: 'budget', threshold: 80 }] }, clock, { budgets });
    // Yesterday's spend does not count; today acme spent 9 USD of 10, globex 1.
    await record({ count: 10, atMs: -13 * 3_600_000, costUsd: 1, workspace: 'acme' });
    await record({ count: 9, atMs: -3_600_000, costUsd: 1, workspace: 'acme' });
    await record({ count: 1, atMs: -3_600_000, costUsd: 1, workspace: 'globex' });
    const fired = await alerts.evaluateNow();
    expect(fired.map(({ entry }) => [entry.series, entry.workspace, Math.round(entry.value)])).toEqual([['budget0:workspace:acme', 'acme', 90]]);
    // The next day starts a new period: it recovers.
    clock.now = 12 * 3_600_000 + 1;
    expect((await alerts.evaluateNow()).map(({ entry }) => [entry.series, entry.state])).toEqual([['budget0:workspace:acme', 'resolved']]);
  });

  it('lets one replica evaluate at a time, and another take over once it stops', async () => {
    const clock = { now: 0 };
    const first = evaluator({ rules: [errorRule] }, clock, { holder: 'replica-1' }).evaluator;
    const second = evaluator({ rules: [errorRule] }, clock, { holder: 'replica-2' }).evaluator;
    await record({ count: 6, failed: 6, atMs: -1_000 });
    const [one, two] = await Promise.all([first.evaluateNow(), second.evaluateNow()]);
    expect([...one, ...two]).toHaveLength(1);
    const leader = one.length === 1 ? first : second;
    const follower = leader === first ? second : first;
    clock.now = 1_000;
    expect(await follower.evaluateNow()).toEqual([]);
    await leader.stop();
    clock.now = 70_000;
    // The follower takes the released lease, and knows the rule was firing: it reports the recovery, not a new firing.
    expect((await follower.evaluateNow()).map(({ entry }) => entry.state)).toEqual(['resolved']);
  });

  it('retries a failing channel and records the outcome of each channel in the history', async () => {
    const clock = { now: 0 };
    const { evaluator: alerts } = evaluator({ rules: [{ ...errorRule, channels: ['pager'] }], delivery: { maxAttempts: 3 } }, clock);
    receiver.answerNext({ status: 500 }, { status: 502 });
    await record({ count: 4, failed: 4, atMs: -1_000 });
    await alerts.evaluateNow();
    await alerts.deliveriesSettled();
    expect(receiver.at('/hook')).toHaveLength(3);
    const history = await new LocalObservabilityService(database.client).alertHistory({ from: at(-1_000), to: at(1_000), scope: 'all' }, CALL);
    expect(history.map((entry) => entry.deliveries)).toEqual([{ pager: { status: 'sent', attempts: 3 } }]);
  });

  it('shows rules and history only within the caller scope: a rule over every workspace only with all', async () => {
    const clock = { now: 0 };
    const { evaluator: alerts } = evaluator(
      { rules: [errorRule, { name: 'everywhere', kind: 'error_rate', threshold: 0.5, minRequests: 1 }] },
      clock,
    );
    await record({ count: 4, failed: 4, atMs: -1_000 });
    await alerts.evaluateNow();
    const service = new LocalObservabilityService(database.client);
    const names = async (scope: 'all' | string[]) => (await service.listAlertRules(scope, CALL)).map((rule) => [rule.name, rule.firing.length]);
    expect(await names('all')).toEqual([
      ['errors', 1],
      ['everywhere', 1],
    ]);
    expect(await names(['acme'])).toEqual([['errors', 1]]);
    expect(await names(['globex'])).toEqual([]);
    const rules = await service.listAlertRules(['acme'], CALL);
    expect(rules[0]).toMatchObject({ kind: 'error_rate', threshold: 0.5, windowMs: 60_000, workspace: 'acme', evaluatedAt: at(0) });
    const history = (scope: 'all' | string[]) => service.alertHistory({ from: at(-1_000), to: at(1_000), scope }, CALL);
    expect((await history('all')).map((entry) => entry.rule).sort()).toEqual(['errors', 'everywhere']);
    expect((await history(['acme'])).map((entry) => entry.rule)).toEqual(['errors']);
    expect(await history(['globex'])).toEqual([]);
    expect(
      (await service.alertHistory({ from: at(-1_000), to: at(1_000), scope: 'all', rule: 'everywhere' }, CALL)).map((entry) => entry.rule),
    ).toEqual(['everywhere']);
  });
});
