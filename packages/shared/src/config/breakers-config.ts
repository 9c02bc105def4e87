import { z } from 'zod';
import { failureKinds, type FailureKind } from '../routing/execution';

/** Failure kinds that say something about a deployment's health; the others are the request's or the account's doing. */
export const DEFAULT_COUNTED_FAILURES: readonly FailureKind[] = ['server_error', 'timeout', 'connection', 'bad_response'];

/**
 * Circuit breakers per deployment, and the cool-down of a provider key that
 * got a 429. Shared between replicas through `governance.redisUrl` when it is
 * set, kept in the process otherwise.
 */
export const breakersConfigSchema = z
  .strictObject({
    /** Off: every attempt is admitted (key cool-downs still apply). */
    enabled: z.boolean().default(true),
    /** A breaker opens when more than this percent of the window's attempts failed… */
    errorThresholdPercent: z.number().gt(0).max(100).default(50),
    /** …and the window holds at least this many attempts. */
    minimumRequests: z.number().int().positive().default(10),
    /** The rolling window the ratio is taken over. */
    windowMs: z.number().int().min(100).default(10_000),
    /** How long an open breaker refuses attempts before it lets one probe through (half-open). */
    openMs: z.number().int().positive().default(30_000),
    /** A probe that has not reported back after this long frees the slot for another. */
    probeTimeoutMs: z.number().int().positive().default(60_000),
    /** The failure kinds that count against a deployment. */
    countedFailures: z
      .array(z.enum(failureKinds))
      .min(1)
      .default([...DEFAULT_COUNTED_FAILURES]),
    /** Provider keys (`apiKeys`): how long a key that got a 429 without `Retry-After` is left out. */
    keyCooldownMs: z.number().int().positive().default(5_000),
  })
  .prefault({});

export type BreakersConfig = z.infer<typeof breakersConfigSchema>;
