import { z } from 'zod';

/**
 * The `evaluations` section: how evaluation runs reach the gateway and how
 * far they may go. Runs call the gateway over HTTP like any client, with a
 * key minted for the run in its workspace (revoked when it ends).
 */
export const evaluationsConfigSchema = z
  .strictObject({
    /**
     * The gateway runs call (`https://gateway.internal:8080`, no `/v1`).
     * Unset: the address the admin call that started or resumed the run
     * arrived at (the admin API is served by the gateway itself).
     */
    gatewayUrl: z
      .url({ protocol: /^https?$/ })
      .transform((url) => url.replace(/\/+$/, ''))
      .optional(),
    /** Items a dataset may hold. */
    maxDatasetItems: z.int().min(1).max(1_000_000).default(10_000),
    /** A run's `concurrency` when it gives none, and the most it may ask for. */
    defaultConcurrency: z.int().min(1).max(256).default(4),
    maxConcurrency: z.int().min(1).max(256).default(16),
    /** Each call to the gateway (an item, an embedding, a judge). */
    requestTimeoutMs: z.int().min(1_000).max(600_000).default(120_000),
    /** Tries per item while the gateway answers 429, 5xx or cannot be reached. */
    maxAttempts: z.int().min(1).max(10).default(3),
    /** A run's claim lasts this long unrenewed: after a crash another process may resume it then. */
    leaseSeconds: z.int().min(5).max(3_600).default(60),
    /** The run's key expires after this, even if the run never ends. */
    keyTtlHours: z
      .int()
      .min(1)
      .max(24 * 30)
      .default(24),
    webhooks: z
      .strictObject({
        timeoutMs: z.int().min(100).max(120_000).default(10_000),
        /** Let `webhook` evaluators reach loopback and private addresses (a trusted network, tests). */
        allowPrivateAddresses: z.boolean().default(false),
      })
      .prefault({}),
  })
  .refine((config) => config.defaultConcurrency <= config.maxConcurrency, {
    message: 'defaultConcurrency must not exceed maxConcurrency',
    path: ['defaultConcurrency'],
  })
  .prefault({});

export type EvaluationsConfig = z.infer<typeof evaluationsConfigSchema>;
