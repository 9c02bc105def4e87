import { z } from 'zod';

/**
 * Prompt management (services/auth/src/prompts): how each gateway caches the
 * prompts that chat requests reference. A label move reaches every cache at
 * once (Redis pub/sub with `governance.redisUrl`, else in process); the TTL
 * only bounds how long a cache may go without a message it missed.
 */
export const promptsConfigSchema = z
  .strictObject({
    cache: z
      .strictObject({
        maxEntries: z.number().int().positive().default(10_000),
        /** How long a cached prompt is served without asking the database. */
        ttlMs: z.number().int().positive().default(30_000),
        /** After the TTL, how long it is still served while one read refreshes it in the background (and when the database fails). */
        staleMs: z.number().int().min(0).default(300_000),
      })
      .prefault({}),
  })
  .prefault({});

export type PromptsConfig = z.infer<typeof promptsConfigSchema>;
