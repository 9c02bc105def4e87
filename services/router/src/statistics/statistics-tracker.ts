import type { AttemptRecord, DeploymentStatistics, ExecutionReport, FailureKind, LiveStatistics } from '@switchyard/shared';

export interface StatisticsTrackerOptions {
  /** Weight of each new sample in the means, in (0, 1]: higher forgets faster. Default 0.3. */
  smoothing?: number;
  /** Deployments tracked at most; past it, the longest-tracked idle one is forgotten. Default 10,000. */
  maxDeployments?: number;
}

export const DEFAULT_SMOOTHING = 0.3;
const DEFAULT_MAX_DEPLOYMENTS = 10_000;

/** Failures that say the deployment is slow or down; their duration may only raise its mean. */
const INDICTING: ReadonlySet<FailureKind> = new Set(['timeout', 'server_error', 'connection', 'bad_response']);

interface TrackedDeployment extends DeploymentStatistics {
  timeToFirstTokenMs?: number;
  latencyMs?: number;
  inFlight: number;
  samples: number;
  breakerOpen: boolean;
}

/**
 * Live statistics of every deployment this process has sent requests to:
 * exponentially weighted means of time to first token and of attempt
 * duration, fed from execution reports, the requests in flight, and the
 * breaker state. Strategies read it through `LiveStatistics`; `get` returns
 * the tracked object itself (no copy on the hot path).
 */
export class StatisticsTracker implements LiveStatistics {
  private readonly deployments = new Map<string, TrackedDeployment>();
  private readonly smoothing: number;
  private readonly maxDeployments: number;

  constructor(options: StatisticsTrackerOptions = {}) {
    this.smoothing = options.smoothing ?? DEFAULT_SMOOTHING;
    if (!(this.smoothing > 0 && this.smoothing <= 1)) throw new Error(`smoothing must be in (0, 1], got ${this.smoothing}`);
    this.maxDeployments = options.maxDeployments ?? DEFAULT_MAX_DEPLOYMENTS;
  }

  get(deploymentId: string): DeploymentStatistics | undefined {
    return this.deployments.get(deploymentId);
  }

  /** A request (or one attempt) starts at this deployment; `finished` must follow once it is over. */
  started(deploymentId: string): void {
    this.tracked(deploymentId).inFlight++;
  }

  finished(deploymentId: string): void {
    const deployment = this.deployments.get(deploymentId);
    if (deployment !== undefined && deployment.inFlight > 0) deployment.inFlight--;
  }

  /** Folds every attempt of a request's report into the means. */
  record(report: ExecutionReport): void {
    for (const attempt of report.attempts) this.recordAttempt(attempt);
  }

  /**
   * One attempt's outcome: a success counts its duration (and time to first
   * token); a timeout, server error, connection failure or bad response
   * counts its duration only if that raises the mean (a fast 500 does not
   * make a deployment look fast); skipped, cancelled and client-side
   * failures say nothing of the deployment's speed and are not counted.
   */
  recordAttempt(attempt: AttemptRecord): void {
    if (attempt.outcome === 'succeeded') {
      const deployment = this.tracked(attempt.deployment.id);
      deployment.samples++;
      deployment.latencyMs = this.mean(deployment.latencyMs, attempt.durationMs);
      if (attempt.timeToFirstTokenMs !== undefined) {
        deployment.timeToFirstTokenMs = this.mean(deployment.timeToFirstTokenMs, attempt.timeToFirstTokenMs);
      }
    } else if (attempt.outcome === 'failed' && attempt.failure !== undefined && INDICTING.has(attempt.failure)) {
      const deployment = this.tracked(attempt.deployment.id);
      deployment.samples++;
      const current = deployment.latencyMs;
      if (current === undefined || attempt.durationMs > current) deployment.latencyMs = this.mean(current, attempt.durationMs);
      // A stream that never started took at least this long to its first token.
      const ttft = deployment.timeToFirstTokenMs;
      if (ttft !== undefined && attempt.durationMs > ttft) deployment.timeToFirstTokenMs = this.mean(ttft, attempt.durationMs);
    }
  }

  /** The deployment's circuit breaker opened or closed (the breakers report it); open ones are left out of plans. */
  setBreakerOpen(deploymentId: string, open: boolean): void {
    if (!open && !this.deployments.has(deploymentId)) return;
    this.tracked(deploymentId).breakerOpen = open;
  }

  private mean(current: number | undefined, sample: number): number {
    return current === undefined ? sample : current + this.smoothing * (sample - current);
  }

  private tracked(deploymentId: string): TrackedDeployment {
    let deployment = this.deployments.get(deploymentId);
    if (deployment === undefined) {
      // Models matched by a pattern are named by clients: bound what they can make this hold.
      if (this.deployments.size >= this.maxDeployments) this.forgetOne();
      deployment = { inFlight: 0, samples: 0, breakerOpen: false };
      this.deployments.set(deploymentId, deployment);
    }
    return deployment;
  }

  /** Forgets the longest-tracked deployment with nothing in flight and no open breaker, else the longest-tracked. */
  private forgetOne(): void {
    let oldest: string | undefined;
    for (const [id, deployment] of this.deployments) {
      oldest ??= id;
      if (deployment.inFlight === 0 && !deployment.breakerOpen) {
        this.deployments.delete(id);
        return;
      }
    }
    if (oldest !== undefined) this.deployments.delete(oldest);
  }
}
