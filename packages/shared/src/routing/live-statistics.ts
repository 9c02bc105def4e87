/** What is known right now of one deployment, for strategies that react to live data. */
export interface DeploymentStatistics {
  /** Exponentially weighted mean time to first token of streams, ms; absent before the first sample. */
  timeToFirstTokenMs?: number;
  /** Exponentially weighted mean duration of whole attempts, ms; absent before the first sample. */
  latencyMs?: number;
  /** Requests being served by this deployment right now. */
  inFlight: number;
  /** Attempts observed (succeeded or failed), for deciding whether a mean means much yet. */
  samples: number;
  /** Whether the deployment's circuit breaker is open: it is then left out of plans. */
  breakerOpen: boolean;
}

/** Read-only view strategies get; the gateway feeds it from every attempt's outcome. */
export interface LiveStatistics {
  /** Statistics of a deployment id (`provider/model`); undefined when nothing is known yet. */
  get(deploymentId: string): DeploymentStatistics | undefined;
}

/** Statistics of a fleet that knows nothing yet. */
export const NO_STATISTICS: LiveStatistics = { get: () => undefined };
