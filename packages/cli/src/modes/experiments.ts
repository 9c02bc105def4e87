import type { Router } from 'express';
import {
  createExperimentRoutes,
  EXPERIMENT_CHANGES_CHANNEL,
  ExperimentStore,
  InProcessLimitChangeBus,
  RedisLimitChangeBus,
  type GovernanceStore,
  type StoredExperimentAssigner,
} from '@switchyard/auth';
import type { SqlClient } from '@switchyard/database';
import type { Logger } from '@switchyard/shared';

/**
 * A/B tests over the governance tables (which share the records database):
 * loads the experiments into the gateway's assigner, reloaded on every
 * change (announced over Redis between gateways when `redisUrl` is set),
 * and returns the admin routes that change them and read their results.
 */
export async function openExperiments(options: {
  client: SqlClient;
  governance: GovernanceStore;
  assigner: StoredExperimentAssigner;
  redisUrl?: string;
  logger: Logger;
}): Promise<Router> {
  const { client, governance, assigner, redisUrl, logger } = options;
  const store = new ExperimentStore(client);
  const changes = redisUrl
    ? await RedisLimitChangeBus.connect({ url: redisUrl, channel: EXPERIMENT_CHANGES_CHANNEL, logger })
    : new InProcessLimitChangeBus();
  await assigner.attach(store, changes, { logger });
  return createExperimentRoutes({ governance, store, assigner, records: client });
}
