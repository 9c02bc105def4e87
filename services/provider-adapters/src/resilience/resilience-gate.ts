import {
  breakersConfigSchema,
  resolveSecret,
  type AttemptGate,
  type Deployment,
  type DeploymentStatistics,
  type FailureKind,
  type LiveStatistics,
  type Logger,
  type SwitchyardConfig,
} from '@switchyard/shared';
import type { Registry } from 'prom-client';
import { BreakerBoard, type BreakerState } from './breakers/breaker-board';
import { BreakerMetrics } from './breakers/breaker-metrics';
import { RedisBreakerShare } from './breakers/redis-breaker-share';
import type { KeyPool } from './keys/key-pool';

/**
 * The attempt gate of the plan executor: a deployment is skipped while its
 * circuit breaker is open (`breaker_open`), or while every key of its
 * provider cools down after a 429 (`rate_limit`). Outcomes feed the breakers;
 * keys learn theirs from the upstream answers themselves.
 */
export class ResilienceGate implements AttemptGate {
  constructor(
    /** Absent when `breakers.enabled` is false. */
    readonly board: BreakerBoard | undefined,
    /** The current key pools: a function, so that a reload's new pools are seen. */
    private readonly keyPools: () => ReadonlyMap<string, KeyPool>,
  ) {}

  admit(deployment: Deployment): boolean {
    // Keys first: a deployment skipped for its keys must not take the half-open probe slot.
    if (this.keyPools().get(deployment.providerId)?.available() === false) return false;
    return this.board?.admit(deployment.id) ?? true;
  }

  skipReason(deployment: Deployment): FailureKind {
    return this.keyPools().get(deployment.providerId)?.available() === false ? 'rate_limit' : 'breaker_open';
  }

  record(deployment: Deployment, outcome: { ok: boolean; failure?: FailureKind; durationMs: number; retryAfterMs?: number }): void {
    this.board?.record(deployment.id, outcome);
  }

  breakerState(deploymentId: string): BreakerState {
    return this.board?.state(deploymentId) ?? 'closed';
  }

  /** Open only: a half-open deployment stays in plans, or no probe would ever reach it. */
  breakerOpen(deploymentId: string): boolean {
    return this.breakerState(deploymentId) === 'open';
  }

  /** Every deployment whose breaker is not closed, for the router snapshot and diagnostics. */
  breakerStates(): Record<string, BreakerState> {
    return this.board?.states() ?? {};
  }
}

/** `statistics` with `breakerOpen` taken from the gate's breakers. */
export function withBreakerState(statistics: LiveStatistics, gate: Pick<ResilienceGate, 'breakerOpen'>): LiveStatistics {
  return {
    get(deploymentId: string): DeploymentStatistics | undefined {
      const known = statistics.get(deploymentId);
      const breakerOpen = gate.breakerOpen(deploymentId);
      if (known) return known.breakerOpen === breakerOpen ? known : { ...known, breakerOpen };
      return breakerOpen ? { inFlight: 0, samples: 0, breakerOpen } : undefined;
    },
  };
}

export interface ResilienceGateOptions {
  /**
   * The adapter service's key pools (`LocalProviderAdapterService.keyPools`),
   * or a function returning the current ones when the adapters are rebuilt on
   * a config reload.
   */
  keyPools: ReadonlyMap<string, KeyPool> | (() => ReadonlyMap<string, KeyPool>);
  env?: Record<string, string | undefined>;
  logger?: Logger;
  /** Where the metrics are registered; none without it. */
  registry?: Registry;
  /** Redis key and channel prefix (tests). */
  redisKeyPrefix?: string;
}

/** A gate and what it holds open (Redis connections, breaker timers). */
export interface StartedResilienceGate {
  gate: ResilienceGate;
  /** Whether breaker state is shared through Redis (`governance.redisUrl`). */
  shared: boolean;
  /** Resolves once every outcome recorded so far has reached its breaker, and every open or close has reached Redis. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds the gate from `breakers` and, when `governance.redisUrl` is set,
 * connects its breakers to the other replicas through Redis.
 */
export async function startResilienceGate(config: SwitchyardConfig, options: ResilienceGateOptions): Promise<StartedResilienceGate> {
  // A config built by hand (tests) may leave the section out: the schema's defaults then.
  const settings = config.breakers ?? breakersConfigSchema.parse(undefined);
  const board = settings.enabled ? new BreakerBoard(settings) : undefined;
  const { keyPools } = options;
  const currentPools = typeof keyPools === 'function' ? keyPools : () => keyPools;
  const gate = new ResilienceGate(board, currentPools);
  new BreakerMetrics(board, currentPools, options.registry);
  board?.onTransition(({ deploymentId, state, remote }) => {
    const origin = remote ? 'remote' : 'local';
    if (state === 'open') options.logger?.warn({ deploymentId, origin }, 'breaker-opened: attempts on the deployment are skipped');
    else options.logger?.info({ deploymentId, origin }, state === 'closed' ? 'breaker-closed' : 'breaker-half-open');
  });
  const redisUrl = config.governance?.redisUrl;
  const share =
    board && redisUrl
      ? await RedisBreakerShare.connect({
          url: resolveSecret(redisUrl, options.env ?? process.env),
          board,
          openMs: settings.openMs,
          keyPrefix: options.redisKeyPrefix,
          logger: options.logger,
        })
      : undefined;
  return {
    gate,
    shared: share !== undefined,
    async settled() {
      await board?.settled();
      await share?.settled();
    },
    async close() {
      await share?.close();
      board?.close();
    },
  };
}
