import type { ExecutionPolicy } from '@switchyard/shared';

/**
 * How long to wait before retry number `retry` (0 for the first retry):
 * exponential back-off with full jitter — uniform in [0, ceiling) — so
 * replicas that failed together do not retry together; at least the
 * provider's `Retry-After`. Undefined when the `Retry-After` is longer than
 * the policy waits for (the next deployment is tried instead).
 */
export function backOffDelay(policy: ExecutionPolicy, retry: number, random: () => number, retryAfterMs?: number): number | undefined {
  const { initialMs, maxMs, multiplier } = policy.backoff;
  const ceiling = Math.min(maxMs, initialMs * multiplier ** retry);
  const jittered = Math.floor(random() * ceiling);
  if (retryAfterMs === undefined) return jittered;
  if (retryAfterMs > policy.maxRetryAfterMs) return undefined;
  return Math.max(retryAfterMs, jittered);
}
