import { z } from 'zod';

const durationMs = z.number().int().positive();

/**
 * How a gateway in distributed mode follows the router's snapshots
 * (`Watch`): it resolves routes from the last one and keeps doing so while
 * the router is away.
 */
export const controlPlaneSchema = z
  .strictObject({
    /** First wait before watching again after the stream ended; it doubles up to `reconnectMaxMs`, each wait drawn in [0, bound) (full jitter). */
    reconnectInitialMs: durationMs.default(100),
    reconnectMaxMs: durationMs.default(5_000),
    /** How long a request that arrives before the first snapshot waits for one before it is answered 503. */
    firstSnapshotWaitMs: durationMs.default(5_000),
  })
  .prefault({});

export type ControlPlaneConfig = z.infer<typeof controlPlaneSchema>;
