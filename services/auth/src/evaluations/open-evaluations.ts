import type { Router } from 'express';
import type { SqlClient } from '@switchyard/database';
import type { EvaluationsConfig, Logger } from '@switchyard/shared';
import type { KeyInvalidationBus } from '../keys/key-invalidation';
import { KeyService } from '../keys/key-service';
import type { GovernanceStore } from '../storage/governance-store';
import { EvaluationRunner } from './evaluation-runner';
import { EvaluationStore } from './evaluation-store';
import { createEvaluationsRouter } from './evaluations-router';
import { HttpGatewayClient } from './gateway-client';
import type { PromptLabels } from './prompt-labels';

export interface EvaluationsOptions {
  /** The governance database (its migration 0003 holds the tables). */
  client: SqlClient;
  governance: GovernanceStore;
  /** To mint each run's key and revoke it when the run ends. */
  keyHashSecret: Buffer;
  invalidations: KeyInvalidationBus;
  config: EvaluationsConfig;
  prompts?: PromptLabels;
  logger?: Logger;
}

export interface Evaluations {
  /** Mount through the admin router's `routes`. */
  router: Router;
  runner: EvaluationRunner;
  /** Stops the runs of this process, leaving them `interrupted` to be resumed. */
  close(): Promise<void>;
}

/** Endpoints a run's key may call: its items and judges, embeddings, and the scores it attaches. */
const RUN_KEY_ENDPOINTS = ['chat.completions', 'embeddings', 'feedback.write'];

/**
 * Datasets, runs and promotions over the governance tables. Each run calls
 * the gateway with a key of its own in the run's workspace (developer role,
 * only the endpoints it needs, expiring after `keyTtlHours`), revoked when
 * the run stops: its requests are recorded, limited and billed there.
 */
export function openEvaluations(options: EvaluationsOptions): Evaluations {
  const { config, logger } = options;
  const store = new EvaluationStore(options.client);
  const keys = new KeyService(options.governance, options.keyHashSecret, options.invalidations, Date.now, logger);
  const runner = new EvaluationRunner({
    store,
    leaseMs: config.leaseSeconds * 1_000,
    maxAttempts: config.maxAttempts,
    webhookTimeoutMs: config.webhooks.timeoutMs,
    allowPrivateWebhooks: config.webhooks.allowPrivateAddresses,
    logger,
    openGateway: async (run, origin) => {
      const issued = await keys.create({
        workspace: run.workspace,
        name: `evaluation ${run.id}`,
        role: 'developer',
        scopes: { endpoints: RUN_KEY_ENDPOINTS },
        expiresAt: new Date(Date.now() + config.keyTtlHours * 3_600_000),
        createdBy: run.createdBy,
      });
      return {
        client: new HttpGatewayClient({
          baseUrl: config.gatewayUrl ?? origin,
          apiKey: issued.key,
          timeoutMs: config.requestTimeoutMs,
          recordWaitMs: 30_000,
        }),
        release: async () => {
          await keys.revoke(issued.record.id);
        },
      };
    },
  });
  const router = createEvaluationsRouter({
    governance: options.governance,
    store,
    runner,
    prompts: options.prompts,
    gatewayUrl: config.gatewayUrl,
    maxDatasetItems: config.maxDatasetItems,
    defaultConcurrency: config.defaultConcurrency,
    maxConcurrency: config.maxConcurrency,
    allowPrivateWebhooks: config.webhooks.allowPrivateAddresses,
  });
  return { router, runner, close: () => runner.close() };
}
