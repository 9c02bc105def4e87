import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { ConfigError, resolveSecret, type GovernanceConfig, type Logger } from '@switchyard/shared';
import { WebhookAlertNotifier } from '../budgets/budget-alerts';
import { ConfigBudgetPolicy } from '../budgets/budget-policy';
import { BudgetService } from '../budgets/budget-service';
import { BudgetSpendSink } from '../budgets/budget-spend-sink';
import { MemorySpendStore, RedisSpendStore } from '../budgets/spend-store';
import { MemoryRateLimiter } from '../rate-limits/memory-rate-limiter';
import { ConfigRateLimitPolicy } from '../rate-limits/rate-limit-policy';
import { RateLimitService } from '../rate-limits/rate-limit-service';
import { RedisRateLimiter } from '../rate-limits/redis-rate-limiter';
import {
  CombinedBudgetPolicy,
  CombinedRateLimitPolicy,
  StoredBudgetPolicy,
  StoredRateLimitPolicy,
  type StoredLimitRules,
} from '../stored-limits/stored-limit-rules';
import { LimitsGovernanceGate } from './governance-gate';
import { GovernanceMetrics } from './governance-metrics';

export interface OpenGovernanceGateOptions {
  logger: Logger;
  /** Where the governance metrics are registered (the gateway's registry). */
  registry?: Registry;
  env?: NodeJS.ProcessEnv;
  /**
   * The rules stored through the admin API, applied beside the config's.
   * Given, there is a gate even when the config sets no rule (one may be
   * stored at any time).
   */
  storedRules?: StoredLimitRules;
}

export interface OpenedGovernance {
  gate: LimitsGovernanceGate;
  /** Feeds budgets from cost events: subscribe it to the in-process bus, or wrap the gateway's publisher (`withBudgetSpend`). Absent without budgets. */
  spendSink?: BudgetSpendSink;
  metrics: GovernanceMetrics;
  close(): Promise<void>;
}

/** How long a start waits for Redis before serving with the failure mode in force. */
const FIRST_CONNECT_WAIT_MS = 2_000;

/**
 * Builds rate limits and budgets from `governance` (and the stored rules
 * when given): in Redis when `redisUrl` is set (shared by every gateway),
 * else in this process's memory. Undefined when there are neither config
 * rules nor stored ones.
 */
export async function openGovernanceGate(config: GovernanceConfig, options: OpenGovernanceGateOptions): Promise<OpenedGovernance | undefined> {
  const configRateLimits = new ConfigRateLimitPolicy(config.rateLimits);
  const configBudgets = new ConfigBudgetPolicy(config.budgets);
  const { storedRules } = options;
  if (configRateLimits.empty && configBudgets.empty && storedRules === undefined) return undefined;
  const rateLimitPolicy = storedRules
    ? { empty: false, policy: new CombinedRateLimitPolicy([configRateLimits, new StoredRateLimitPolicy(storedRules)]) }
    : { empty: configRateLimits.empty, policy: configRateLimits };
  const budgetPolicy = storedRules
    ? { empty: false, policy: new CombinedBudgetPolicy([configBudgets, new StoredBudgetPolicy(storedRules)]) }
    : { empty: configBudgets.empty, policy: configBudgets };
  const { logger } = options;
  const metrics = new GovernanceMetrics(options.registry);
  const redis = config.redisUrl
    ? await connectRedis(redisUrlOf(config.redisUrl, options.env ?? process.env), config.redisTimeoutMs, logger)
    : undefined;
  const rateLimits = rateLimitPolicy.empty
    ? undefined
    : new RateLimitService(rateLimitPolicy.policy, redis ? new RedisRateLimiter(redis) : new MemoryRateLimiter());
  const notifier = config.alertWebhookUrl ? new WebhookAlertNotifier(config.alertWebhookUrl, logger, (outcome) => metrics.alert(outcome)) : undefined;
  const budgets = budgetPolicy.empty
    ? undefined
    : new BudgetService(budgetPolicy.policy, redis ? new RedisSpendStore(redis) : new MemorySpendStore(), notifier);
  const gate = new LimitsGovernanceGate({ rateLimits, budgets, onStoreFailure: config.onRedisFailure, logger, metrics });
  const spendSink = budgets && new BudgetSpendSink(budgets, logger, () => metrics.storeFailed('budgets', 'lost'));
  return {
    gate,
    spendSink,
    metrics,
    close: async () => {
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** The URL with its `${NAME}` references resolved; an unset one is a config error (never a silent default Redis). */
export function redisUrlOf(value: string, env: NodeJS.ProcessEnv): string {
  const unset = [...value.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((match) => match[1]).filter((name) => !env[name]);
  if (unset.length > 0) throw new ConfigError(`invalid config:\n  - governance.redisUrl: environment variable ${unset.join(', ')} is not set`);
  return resolveSecret(value, env);
}

/**
 * A connection that fails fast: no offline queue, no retried commands, a
 * command timeout. While Redis is away every check fails at once and the
 * failure mode decides, rather than each request waiting on a reconnect.
 */
export async function connectRedis(url: string, commandTimeoutMs: number, logger: Logger): Promise<Redis> {
  // ioredis is loaded where Redis is configured, not at start (one process without Redis never loads it).
  const { Redis: RedisClient } = await import('ioredis');
  const redis = new RedisClient(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: commandTimeoutMs, lazyConnect: true });
  // Errors surface on the commands; the connection keeps reconnecting on its own.
  redis.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  const connected = redis.connect().then(
    () => true,
    () => false,
  );
  const waited = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), FIRST_CONNECT_WAIT_MS);
  });
  const ready = await Promise.race([connected, waited]);
  clearTimeout(timer);
  if (!ready)
    logger.warn({ address: redactedAddress(url) }, 'governance-redis-unreachable: serving with the configured failure mode until it answers');
  return redis;
}

/** Host and port only: a URL may hold a password. */
function redactedAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return 'unparseable URL';
  }
}
