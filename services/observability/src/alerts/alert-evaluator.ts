import { randomUUID } from 'node:crypto';
import { resolveSecret, type AlertHistoryEntry, type AlertRule, type AlertsConfig, type BudgetRule, type Logger } from '@switchyard/shared';
import type { SqlClient } from '@switchyard/database';
import { measureRule } from './alert-measurements';
import { slackNotice, webhookNotice } from './alert-notices';
import { acquireLease, applyReadings, recordDelivery, releaseLease, syncRules } from './alert-store';
import { deliverJson, realDeliveryClock, type DeliveryClock } from './webhook-delivery';

export interface AlertEvaluatorOptions {
  config: AlertsConfig;
  /** `governance.budgets`: what `budget` rules watch. */
  budgets?: readonly BudgetRule[];
  logger: Logger;
  /** This replica's name in the lease; default a random id. */
  holder?: string;
  /** How long a lease lasts without renewal; default three evaluation intervals (at least 10 s). */
  leaseMs?: number;
  /** The clock of evaluations; injectable for tests. */
  now?: () => Date;
  /** Back-off waits and jitter of deliveries; injectable for tests. */
  deliveryClock?: DeliveryClock;
  /** Where channels' `${NAME}` URLs are read. */
  env?: NodeJS.ProcessEnv;
  /** Told of each delivery's outcome (metrics). */
  onDelivery?: (channel: string, status: 'sent' | 'failed') => void;
}

/** A firing or recovery with the rule it came from. */
export interface AlertTransition {
  entry: AlertHistoryEntry;
  rule: AlertRule;
}

interface Channel {
  name: string;
  kind: 'slack' | 'webhook';
  /** Resolved from the environment: never logged. */
  url: string;
}

/**
 * Evaluates the alert rules over the recorded requests on a schedule and
 * notifies each firing and each recovery once. Replicas share the work
 * through a lease in the database: whoever holds it evaluates, the others
 * wait for it to lapse. Each evaluation is one transaction (state and
 * history together); notices go out after it commits, each channel retried
 * on its own, and their outcomes are added to the history.
 */
export class AlertEvaluator {
  private readonly holder: string;
  private readonly leaseMs: number;
  private readonly tickMs: number;
  private readonly channels: ReadonlyMap<string, Channel>;
  private readonly lastEvaluated = new Map<string, number>();
  private readonly deliveries = new Set<Promise<void>>();
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly client: SqlClient | Promise<SqlClient>,
    private readonly options: AlertEvaluatorOptions,
  ) {
    const { config } = options;
    this.holder = options.holder ?? `alerts-${randomUUID()}`;
    this.tickMs = Math.min(config.evaluationIntervalMs, ...config.rules.map((rule) => rule.evaluationIntervalMs ?? config.evaluationIntervalMs));
    this.leaseMs = options.leaseMs ?? Math.max(10_000, 3 * this.tickMs);
    const env = options.env ?? process.env;
    this.channels = new Map(
      Object.entries(config.channels).map(([name, channel]) => {
        const url = resolveSecret(channel.url, env);
        if (url === '') options.logger.warn({ channel: name }, 'alert-channel-url-unset');
        return [name, { name, kind: channel.kind, url }];
      }),
    );
  }

  /** Evaluates at once, then every tick until stopped. */
  start(): void {
    const tick = () => {
      this.running = this.evaluateNow().finally(() => {
        if (this.stopped) return;
        this.timer = setTimeout(tick, this.tickMs);
        this.timer.unref();
      });
    };
    tick();
  }

  /**
   * Evaluates the rules that are due, if this replica holds (or takes) the
   * lease; returns the firings and recoveries found (their notices are sent
   * in the background: `deliveriesSettled` waits for them). A failure is
   * logged and answered with none; the next tick tries again.
   */
  async evaluateNow(): Promise<AlertTransition[]> {
    const now = this.options.now?.() ?? new Date();
    const { config, logger } = this.options;
    let transitions: AlertTransition[];
    try {
      const client = await this.client;
      transitions = await client.transaction(async (transaction) => {
        if (!(await acquireLease(transaction, this.holder, now, this.leaseMs))) {
          // Another replica evaluates; if it stops, this one starts over with every rule due.
          this.lastEvaluated.clear();
          return [];
        }
        await syncRules(transaction, config.rules, config.evaluationIntervalMs);
        const found: AlertTransition[] = [];
        for (const rule of config.rules) {
          const last = this.lastEvaluated.get(rule.name);
          const interval = rule.evaluationIntervalMs ?? config.evaluationIntervalMs;
          if (last !== undefined && now.getTime() - last < interval) continue;
          const readings = await measureRule(transaction, rule, now, this.options.budgets ?? []);
          const entries = await applyReadings(transaction, rule, readings, now);
          found.push(...entries.map((entry) => ({ entry, rule })));
        }
        return found;
      });
    } catch (error) {
      logger.error({ err: error }, 'alert-evaluation-failed');
      return [];
    }
    // Only once committed does an evaluation count: a rolled-back one is tried again at the next tick.
    for (const rule of config.rules) {
      const last = this.lastEvaluated.get(rule.name);
      const interval = rule.evaluationIntervalMs ?? config.evaluationIntervalMs;
      if (last === undefined || now.getTime() - last >= interval) this.lastEvaluated.set(rule.name, now.getTime());
    }
    for (const transition of transitions) {
      logger.info(
        { rule: transition.rule.name, series: transition.entry.series, state: transition.entry.state, value: transition.entry.value },
        'alert-transition',
      );
      this.notify(transition);
    }
    return transitions;
  }

  /** Resolves when every notice sent so far has been delivered or given up on. */
  async deliveriesSettled(): Promise<void> {
    while (this.deliveries.size > 0) await Promise.all([...this.deliveries]);
  }

  /** Stops the schedule, abandons notices still retrying (recorded as failed), and gives the lease up. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running.catch(() => undefined);
    this.controller.abort();
    await this.deliveriesSettled();
    try {
      await releaseLease(await this.client, this.holder);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'alert-lease-release-failed');
    }
  }

  private notify({ entry, rule }: AlertTransition): void {
    const names = rule.channels ?? [...this.channels.keys()];
    for (const name of names) {
      const channel = this.channels.get(name);
      if (!channel) continue;
      const delivery = this.deliver(channel, entry, rule).finally(() => this.deliveries.delete(delivery));
      this.deliveries.add(delivery);
    }
  }

  private async deliver(channel: Channel, entry: AlertHistoryEntry, rule: AlertRule): Promise<void> {
    const { logger, config } = this.options;
    const body = channel.kind === 'slack' ? slackNotice(entry, rule) : webhookNotice(entry, rule);
    const outcome =
      channel.url === ''
        ? { status: 'failed' as const, attempts: 0 }
        : await deliverJson(
            channel.url,
            body,
            config.delivery,
            this.options.deliveryClock ?? realDeliveryClock,
            this.controller.signal,
            (attempt) => {
              if (!attempt.ok)
                logger.warn(
                  { channel: channel.name, alert: entry.id, attempt: attempt.attempt, reason: attempt.reason },
                  'alert-delivery-attempt-failed',
                );
            },
          );
    this.options.onDelivery?.(channel.name, outcome.status);
    if (outcome.status === 'failed') logger.error({ channel: channel.name, alert: entry.id, attempts: outcome.attempts }, 'alert-delivery-failed');
    try {
      await recordDelivery(await this.client, entry.id, channel.name, outcome);
    } catch (error) {
      logger.warn({ err: error, alert: entry.id }, 'alert-delivery-record-failed');
    }
  }
}
