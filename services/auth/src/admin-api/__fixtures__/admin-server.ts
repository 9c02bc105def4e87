import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type Router } from 'express';
import type { SqlClient } from '@switchyard/database';
import { createAuditExportRouter } from '../../audit/audit-export-router';
import { createExperimentRoutes } from '../../experiments/experiment-routes';
import { ExperimentStore } from '../../experiments/experiment-store';
import { StoredExperimentAssigner } from '../../experiments/stored-experiment-assigner';
import { Ed25519CheckpointKey } from '../../audit/checkpoint-signer';
import { SqlAuditLog } from '../../audit/sql-audit-log';
import { InProcessKeyInvalidationBus, type KeyInvalidationBus } from '../../keys/key-invalidation';
import type { GovernanceStore } from '../../storage/governance-store';
import { InProcessLimitChangeBus } from '../../stored-limits/limit-change-bus';
import { createLimitRulesRouter } from '../../stored-limits/limit-rules-router';
import { StoredLimitRules } from '../../stored-limits/stored-limit-rules';
import { StoredLimitStore } from '../../stored-limits/stored-limit-store';
import type { OidcSettings, SwitchyardJwtSettings } from '../../tokens/jwt-verifier';
import { auditEntryOf, type AdminActionEvent } from '../admin-action-event';
import { createAdminRouter } from '../create-admin-router';

export const TEST_ADMIN_TOKEN = 'test-admin-token-' + 'x'.repeat(24);

export interface RunningAdminServer {
  url: string;
  jwt: SwitchyardJwtSettings;
  keyHashSecret: Buffer;
  invalidations: KeyInvalidationBus;
  /** Every event `onAdminAction` was told of, oldest first. */
  events: AdminActionEvent[];
  /** With `client`: the stored rate limits and budgets the routes change (as a gateway's policies read them). */
  storedLimits?: StoredLimitRules;
  /**
   * `fetch` to the server, as the bootstrap admin unless `token` says otherwise (null: no credential).
   * A JSON answer is parsed; any other is returned as text.
   */
  call(
    method: string,
    path: string,
    options?: { body?: unknown; token?: string | null; rawBody?: string },
  ): Promise<{ status: number; body: any; contentType: string }>;
  close(): Promise<void>;
}

/**
 * The admin router alone in an express app on a free loopback port, as the gateway mounts it.
 * With `client` (the store's database) it also serves rate limits, budgets and the audit
 * export, and every admin action is appended to the audit trail there.
 */
export async function startAdminServer(
  store: GovernanceStore,
  options: { oidc?: OidcSettings; allowUnauthenticated?: boolean; client?: SqlClient } = {},
): Promise<RunningAdminServer> {
  const jwt: SwitchyardJwtSettings = { secret: new Uint8Array(randomBytes(32)) };
  const keyHashSecret = randomBytes(32);
  const invalidations = new InProcessKeyInvalidationBus();
  const events: AdminActionEvent[] = [];
  const routes: Router[] = [];
  let storedLimits: StoredLimitRules | undefined;
  let auditLog: SqlAuditLog | undefined;
  let experiments: StoredExperimentAssigner | undefined;
  if (options.client) {
    const limitStore = await StoredLimitStore.open(options.client);
    storedLimits = new StoredLimitRules();
    await storedLimits.attach(limitStore, new InProcessLimitChangeBus());
    auditLog = await SqlAuditLog.open(options.client, { signer: Ed25519CheckpointKey.generate(), checkpointEvery: 5 });
    routes.push(
      createLimitRulesRouter({ governance: store, store: limitStore, rules: storedLimits }),
      createAuditExportRouter({ client: options.client, governance: store }),
    );
    // A/B tests; their results read the records tables (`requests`, `scores`), which a test that reads them adds to `client`.
    const experimentStore = new ExperimentStore(options.client);
    experiments = new StoredExperimentAssigner();
    await experiments.attach(experimentStore, new InProcessLimitChangeBus());
    routes.push(createExperimentRoutes({ governance: store, store: experimentStore, assigner: experiments, records: options.client }));
  }
  const app = express();
  app.use(
    createAdminRouter({
      store,
      keyHashSecret,
      invalidations,
      adminToken: TEST_ADMIN_TOKEN,
      jwt,
      oidc: options.oidc,
      allowUnauthenticated: options.allowUnauthenticated,
      onAdminAction: async (event) => {
        events.push(event);
        await auditLog?.append(auditEntryOf(event));
      },
      routes,
    }),
  );
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    jwt,
    keyHashSecret,
    invalidations,
    events,
    storedLimits,
    async call(method, path, { body, token = TEST_ADMIN_TOKEN, rawBody } = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token !== null) headers.authorization = `Bearer ${token}`;
      const response = await fetch(url + path, { method, headers, body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)) });
      const text = await response.text();
      const contentType = response.headers.get('content-type') ?? '';
      return {
        status: response.status,
        body: text === '' ? undefined : contentType.includes('json') && !contentType.includes('ndjson') ? JSON.parse(text) : text,
        contentType,
      };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await invalidations.close();
      await storedLimits?.close();
      await experiments?.close();
      auditLog?.close();
    },
  };
}
