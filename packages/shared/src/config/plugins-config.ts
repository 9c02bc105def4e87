import { z } from 'zod';

/** A plugin's name as config and records spell it. */
const pluginName = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be a plugin name: lower-case letters, digits and -, starting with a letter');
const pluginList = z.array(pluginName).refine((names) => new Set(names).size === names.length, { message: 'must not name a plugin twice' });

/**
 * The `plugins` section: which of the enabled plugins run on a request, and
 * in what order (services/gateway/src/plugins). The names are checked
 * against the plugins known at start (built-in and `modules`): an unknown
 * one stops the start naming its path. A list naming a plugin its own
 * section leaves off (`cache.mode: off`) skips it.
 */
export const pluginsConfigSchema = z
  .strictObject({
    /** Every request's plugins, in order; default: the enabled built-ins as guardrails, semantic-routing, memory, cache, then `modules`'. */
    order: pluginList.optional(),
    /** A workspace's own list, in place of `order`. */
    workspaces: z.record(z.string().min(1), pluginList).default({}),
    /** A route's (the model or alias a request asks for) own list, in place of the workspace's and `order`. */
    routes: z.record(z.string().min(1), pluginList).default({}),
    /**
     * Custom plugins: module paths (absolute, relative to the working directory, or a package name),
     * each exporting a PluginFactory as `default` or `pluginFactory`.
     */
    modules: z.array(z.string().min(1)).default([]),
    /** Custom plugins' own settings, by plugin name: each plugin reads and checks its entry (built-ins have sections of their own). */
    settings: z.record(z.string().min(1), z.unknown()).default({}),
  })
  .prefault({});

export type PluginsConfig = z.infer<typeof pluginsConfigSchema>;
