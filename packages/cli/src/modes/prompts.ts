import type { Router } from 'express';
import {
  createPromptsRouter,
  InProcessPromptChangeBus,
  PromptStore,
  promptStoreLabels,
  RedisPromptChangeBus,
  StoredPromptResolver,
  type GovernanceStore,
  type PromptChangeBus,
  type PromptLabels,
} from '@switchyard/auth';
import type { SqlClient } from '@switchyard/database';
import type { ExperimentAssigner, Logger, SwitchyardConfig } from '@switchyard/shared';

export interface OpenPrompts {
  /** The admin API's `/workspaces/{workspace}/prompts` routes. */
  router: Router;
  /** What the gateway resolves chat requests' prompt references with. */
  resolver: StoredPromptResolver;
  /** Labels as the promotion pipeline reads and moves them (moves announced like the routes' own). */
  labels: PromptLabels;
  close(): Promise<void>;
}

/**
 * Prompt management over the governance tables (migration 0002 ran with
 * them): the admin routes and this process's cached resolver, both on one
 * change bus, over Redis when `governance.redisUrl` is set so that a label
 * moved through any gateway reaches every other one's cache at once.
 */
export async function openPrompts(options: {
  client: SqlClient;
  governance: GovernanceStore;
  config: SwitchyardConfig;
  /** Resolved `governance.redisUrl`. */
  redisUrl?: string;
  logger: Logger;
  /** The A/B tests that may pick a prompt version per request; none: the label decides. */
  experiments?: ExperimentAssigner;
}): Promise<OpenPrompts> {
  const { client, governance, config, redisUrl, logger } = options;
  const store = new PromptStore(client);
  const changes: PromptChangeBus = redisUrl ? await RedisPromptChangeBus.connect({ url: redisUrl, logger }) : new InProcessPromptChangeBus();
  const resolver = new StoredPromptResolver(store, { changes, cache: config.prompts.cache, experiments: options.experiments, logger });
  return {
    router: createPromptsRouter({ governance, store, changes, logger }),
    resolver,
    labels: promptStoreLabels(store, changes, logger),
    close: async () => {
      resolver.close();
      await changes.close();
    },
  };
}
