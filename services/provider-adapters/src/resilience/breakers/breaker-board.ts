import { EventEmitter } from 'node:events';
import CircuitBreaker from 'opossum';
import type { BreakersConfig, FailureKind } from '@switchyard/shared';

export type BreakerState = 'closed' | 'open' | 'half_open';

/** A breaker changed state; `remote` when another replica's change was applied here. */
export interface BreakerTransition {
  deploymentId: string;
  state: BreakerState;
  remote: boolean;
}

export type BreakerSettings = Pick<
  BreakersConfig,
  'errorThresholdPercent' | 'minimumRequests' | 'windowMs' | 'openMs' | 'probeTimeoutMs' | 'countedFailures'
>;

/** What an attempt told about its deployment. */
type Verdict = 'healthy' | 'unhealthy';

/** Rejects an unhealthy verdict so opossum counts it as a failure. */
class UnhealthyAttempt extends Error {}

const WINDOW_BUCKETS = 10;

/**
 * Breakers kept at most: deployments come from config, but a provider serving
 * any model (`*`) makes one per model a client names. Past this, the oldest
 * closed breaker is dropped (it knew only a window of recent outcomes).
 */
export const MAX_BREAKERS = 4_096;

/**
 * One opossum circuit breaker per deployment, fed with the outcomes of
 * attempts made elsewhere. opossum wraps a call (`fire`); the executor asks
 * before and reports after instead, so each report is fired through the
 * breaker as a call that succeeds or fails at once. opossum then keeps the
 * rolling window, opens on the error ratio over the minimum volume, moves to
 * half-open after `openMs`, and closes or reopens on the probe's outcome.
 * The probe itself is handed out here: in half-open, `admit` lets one attempt
 * through until it reports (or `probeTimeoutMs` passes).
 */
export class BreakerBoard {
  private readonly breakers = new Map<string, CircuitBreaker<[Verdict], void>>();
  /** Deployment id → epoch ms until which the half-open probe slot is taken. */
  private readonly probes = new Map<string, number>();
  private readonly counted: ReadonlySet<FailureKind>;
  private readonly events = new EventEmitter().setMaxListeners(0);
  /** Set while another replica's state is applied, so it is not published back. */
  private applyingRemote = false;
  /** Reports still being fired through their breaker (opossum settles them a few microtasks later). */
  private readonly pending = new Set<Promise<unknown>>();
  /** One timer turns every breaker's window, rather than one timer per breaker. */
  private readonly windowTurns = new EventEmitter().setMaxListeners(0);
  private windowTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: BreakerSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.counted = new Set(settings.countedFailures);
  }

  /** Whether an attempt on the deployment may start now; in half-open, only the one probe. */
  admit(deploymentId: string): boolean {
    const breaker = this.breakers.get(deploymentId);
    if (!breaker || breaker.closed) return true;
    if (breaker.opened) return false;
    // Half-open: one probe at a time; a probe that never reported gives its slot up after probeTimeoutMs.
    const takenUntil = this.probes.get(deploymentId);
    if (takenUntil !== undefined && takenUntil > this.now()) return false;
    this.probes.set(deploymentId, this.now() + this.settings.probeTimeoutMs);
    return true;
  }

  /** The outcome of an admitted attempt. Failures of kinds that do not indict the deployment are not counted. */
  record(deploymentId: string, outcome: { ok: boolean; failure?: FailureKind }): void {
    let verdict: Verdict;
    if (outcome.ok) verdict = 'healthy';
    else if (outcome.failure !== undefined && this.counted.has(outcome.failure)) verdict = 'unhealthy';
    else {
      // The deployment answered (a 400, a 429…) or the attempt was dropped: says nothing; a probe frees its slot.
      this.probes.delete(deploymentId);
      return;
    }
    const fired = this.breaker(deploymentId)
      .fire(verdict)
      // A report arriving while the breaker is open is refused by opossum: nothing to do with it.
      .catch(() => undefined)
      // The probe slot is freed by the transition its outcome causes (closed, or open again), not here: a late
      // report of an attempt admitted before the breaker opened must not free it while the probe still runs.
      .finally(() => this.pending.delete(fired));
    this.pending.add(fired);
  }

  state(deploymentId: string): BreakerState {
    const breaker = this.breakers.get(deploymentId);
    if (!breaker || breaker.closed) return 'closed';
    return breaker.opened ? 'open' : 'half_open';
  }

  /** Every deployment whose breaker is not closed. */
  states(): Record<string, BreakerState> {
    const states: Record<string, BreakerState> = {};
    for (const deploymentId of this.breakers.keys()) {
      const state = this.state(deploymentId);
      if (state !== 'closed') states[deploymentId] = state;
    }
    return states;
  }

  /** Applies a state decided by another replica: opens (its own `openMs` from now) or closes the breaker. */
  applyRemote(deploymentId: string, state: 'open' | 'closed'): void {
    const breaker = this.breaker(deploymentId);
    this.applyingRemote = true;
    try {
      if (state === 'open') breaker.open();
      else breaker.close();
    } finally {
      this.applyingRemote = false;
    }
  }

  onTransition(listener: (transition: BreakerTransition) => void): () => void {
    this.events.on('transition', listener);
    return () => this.events.off('transition', listener);
  }

  /** Resolves once every report made so far has reached its breaker. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Stops every breaker's timers. */
  close(): void {
    clearInterval(this.windowTimer);
    this.windowTimer = undefined;
    for (const breaker of this.breakers.values()) breaker.shutdown();
    this.breakers.clear();
    this.probes.clear();
    this.events.removeAllListeners();
  }

  private breaker(deploymentId: string): CircuitBreaker<[Verdict], void> {
    let breaker = this.breakers.get(deploymentId);
    if (breaker) return breaker;
    if (this.breakers.size >= MAX_BREAKERS) this.dropOldestClosed();
    if (!this.windowTimer) {
      this.windowTimer = setInterval(() => this.windowTurns.emit('rotate'), Math.max(1, Math.floor(this.settings.windowMs / WINDOW_BUCKETS)));
      this.windowTimer.unref();
    }
    breaker = new CircuitBreaker<[Verdict], void>(
      (verdict: Verdict) => (verdict === 'healthy' ? Promise.resolve() : Promise.reject(new UnhealthyAttempt())),
      {
        name: deploymentId,
        // The attempt already ran: nothing to time out.
        timeout: false,
        resetTimeout: this.settings.openMs,
        errorThresholdPercentage: this.settings.errorThresholdPercent,
        volumeThreshold: this.settings.minimumRequests,
        rollingCountTimeout: this.settings.windowMs,
        rollingCountBuckets: WINDOW_BUCKETS,
        rollingPercentilesEnabled: false,
        enableSnapshots: false,
        rotateBucketController: this.windowTurns,
      },
    );
    const emit = (state: BreakerState) => () => {
      if (state !== 'half_open') this.probes.delete(deploymentId);
      this.events.emit('transition', { deploymentId, state, remote: this.applyingRemote } satisfies BreakerTransition);
    };
    breaker.on('open', emit('open'));
    breaker.on('halfOpen', emit('half_open'));
    breaker.on('close', emit('closed'));
    this.breakers.set(deploymentId, breaker);
    return breaker;
  }

  private dropOldestClosed(): void {
    for (const [deploymentId, breaker] of this.breakers) {
      if (!breaker.closed) continue;
      breaker.shutdown();
      this.breakers.delete(deploymentId);
      return;
    }
  }
}
