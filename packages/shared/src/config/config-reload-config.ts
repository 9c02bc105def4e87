import { z } from 'zod';

/**
 * The `configReload` section: how a running process notices that its config
 * file changed (packages/cli/src/config-reload). SIGHUP reloads whatever
 * this says.
 */
export const configReloadConfigSchema = z
  .strictObject({
    /** Reload when the config file changes (a file watch, and polling for file systems that do not report changes). */
    watch: z.boolean().default(true),
    /** Changes closer together than this make one reload (an editor writes a file in several steps). */
    debounceMs: z.number().int().min(0).max(60_000).default(250),
    /** How often the file is also checked by its size and modification time; 0 turns the polling off. */
    pollIntervalMs: z.number().int().min(0).max(3_600_000).default(2_000),
  })
  .prefault({});

export type ConfigReloadConfig = z.infer<typeof configReloadConfigSchema>;
