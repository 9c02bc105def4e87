import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import pino from 'pino';
import { configSchema } from '@switchyard/shared';
import { REDIS_URL, requireRedis } from '../../../../test/support/infrastructure';
import { WebhookAlertNotifier, type BudgetAlert } from './budget-alerts';
import { ConfigBudgetPolicy } from './budget-policy';
import { BudgetService } from './budget-service';
import { MemorySpendStore, RedisSpendStore, type SpendStore } from './spend-store';

const logger = pino({ level: 'silent' });

/** A local webhook receiver: every JSON body POSTed to it. */
async function startWebhook(): Promise<{ url: string; alerts: BudgetAlert[]; close(): Promise<void> }> {
  const alerts: BudgetAlert[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      alerts.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as BudgetAlert);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/budget`,
    alerts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Two stores sharing their state, as two gateways share Redis (in memory: the same store). */
interface StorePair {
  stores: [SpendStore, SpendStore];
  close(): Promise<void>;
}

const implementations: Array<[string, () => StorePair]> = [
  [
    'in memory',
    () => {
      const store = new MemorySpendStore();
      return { stores: [store, store], close: () => Promise.resolve() };
    },
  ],
  [
    'in Redis',
    () => {
      const prefix = `test:budget:${randomUUID()}:`;
      const connections = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
      return {
        stores: [new RedisSpendStore(connections[0], { keyPrefix: prefix }), new RedisSpendStore(connections[1], { keyPrefix: prefix })],
        close: async () => {
          const keys = await connections[0].keys(`${prefix}*`);
          if (keys.length > 0) await connections[0].del(...keys);
          await Promise.all(connections.map((connection) => connection.quit()));
        },
      };
    },
  ],
];

beforeAll(requireRedis);

describe.each(implementations)('budgets with their spend %s', (_name, open) => {
  let pair: StorePair;
  let webhook: Awaited<ReturnType<typeof startWebhook>>;
  let now: Date;
  beforeEach(async () => {
    pair = open();
    webhook = await startWebhook();
    now = new Date('2026-12-05T10:00:00Z');
  });
  afterEach(async () => {
    await pair.close();
    await webhook.close();
  });

  const rules = configSchema.parse({
    governance: {
      budgets: [
        { scope: 'workspace', match: 'team-a', limitUsd: 1, period: 'day', timezone: 'Europe/Paris', alertAtPercent: 80 },
        { scope: 'user', limitUsd: 0.5, period: 'month' },
      ],
    },
  }).governance.budgets;

  function gateway(store: SpendStore): BudgetService {
    return new BudgetService(new ConfigBudgetPolicy(rules), store, new WebhookAlertNotifier(webhook.url, logger), () => now);
  }
  const spend = (costUsd: number, at = now) => ({ keyId: '', workspace: 'team-a', user: '', costUsd, at });

  it('refuses with 402 budget_exceeded once the spend reaches the limit, and not before', async () => {
    const [first, second] = pair.stores.map(gateway);
    await first.recordSpend(spend(0.6));
    await second.recordSpend(spend(0.39));
    expect(await first.check({ keyId: '', workspace: 'team-a', user: '' })).toBeUndefined();
    await second.recordSpend(spend(0.01));
    const refusal = await first.check({ keyId: '', workspace: 'team-a', user: '' });
    expect(refusal).toMatchObject({ status: 402, code: 'budget_exceeded' });
    expect(refusal?.message).toBe(
      'Budget exceeded for workspace team-a: $1.0000 spent of $1 today (period starting 2026-12-05, Europe/Paris). ' +
        'Requests are refused until the period ends or the budget is raised.',
    );
    // Another workspace has no budget; the next day (in Paris) starts afresh.
    expect(await first.check({ keyId: '', workspace: 'team-b', user: '' })).toBeUndefined();
    now = new Date('2026-12-05T23:00:00Z');
    expect(await first.check({ keyId: '', workspace: 'team-a', user: '' })).toBeUndefined();
  });

  it('counts a user budget over the month, apart from the workspace', async () => {
    const budgets = gateway(pair.stores[0]);
    await budgets.recordSpend({ keyId: '', workspace: 'team-b', user: 'alice', costUsd: 0.5, at: now });
    expect(await budgets.check({ keyId: '', workspace: 'team-b', user: 'alice' })).toMatchObject({ code: 'budget_exceeded' });
    expect(await budgets.check({ keyId: '', workspace: 'team-b', user: 'bob' })).toBeUndefined();
  });

  it('fires the webhook alert once per period, whichever gateway crosses the threshold', async () => {
    const [first, second] = pair.stores.map(gateway);
    await first.recordSpend(spend(0.7));
    expect(webhook.alerts).toHaveLength(0);
    await Promise.all([second.recordSpend(spend(0.15)), first.recordSpend(spend(0.05)), second.recordSpend(spend(0.3))]);
    expect(webhook.alerts).toHaveLength(1);
    expect(webhook.alerts[0]).toMatchObject({
      type: 'budget.threshold_reached',
      scope: 'workspace',
      subject: 'team-a',
      period: 'day',
      period_start: '2026-12-05',
      timezone: 'Europe/Paris',
      limit_usd: 1,
      threshold_percent: 80,
    });
    expect(webhook.alerts[0].spent_usd).toBeGreaterThanOrEqual(0.8);
    // The next day's spend crosses it again: one more alert.
    await first.recordSpend(spend(0.9, new Date('2026-12-06T10:00:00Z')));
    expect(webhook.alerts.map((alert) => alert.period_start)).toEqual(['2026-12-05', '2026-12-06']);
  });
});
