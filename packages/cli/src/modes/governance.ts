import path from 'node:path';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import {
  actorOf,
  auditEntryOf,
  can,
  createAdminRouter,
  createAuditExportRouter,
  createKeyVerification,
  createLimitRulesRouter,
  createProviderCredentialsRouter,
  Ed25519CheckpointKey,
  InProcessLimitChangeBus,
  JwtVerifier,
  openAuditLog,
  openGovernanceStore,
  openSecretStore,
  RedisLimitChangeBus,
  redisUrlOf,
  resolveJwtSecret,
  SqlAuditLog,
  StoredLimitRules,
  StoredLimitStore,
  StoredExperimentAssigner,
  type AuditEntry,
  type KeyVerification,
} from '@switchyard/auth';
import type { SqlClient } from '@switchyard/database';
import type { GatewayServerOptions } from '@switchyard/gateway';
import { GatewayError, type KeyVerifier, type Logger, type Principal, type SwitchyardConfig, type TokenVerifier } from '@switchyard/shared';
import { openExperiments } from './experiments';

/** What the gateway is given to authenticate callers, serve the admin API and keep the audit trail. */
export type GovernanceGatewayOptions = Pick<GatewayServerOptions, 'keyVerifier' | 'tokenVerifier' | 'audit' | 'adminRoutes' | 'experiments'>;

export interface Governance {
  gatewayOptions: GovernanceGatewayOptions;
  /** Records a purge of the retention job in the audit trail. */
  recordPurge(purged: Record<string, number>, before: Date): void;
  /** Resolves once the governance tables are open, opening them if they open at first need (or rejects with why they cannot be). */
  ready: Promise<void>;
  close(): Promise<void>;
}

export interface GovernanceOptions {
  config: SwitchyardConfig;
  logger: Logger;
  /**
   * The database the governance tables live in: the records database, shared
   * (one process: the embedded one, still opening). Undefined: none
   * configured, so only the bootstrap admin token authenticates. A function:
   * the tables open at first need (a key, a token, an admin call, an audit
   * entry), for a database that opens at first need (records in memory).
   */
  client: Promise<SqlClient> | (() => Promise<SqlClient>) | undefined;
  mode: 'embedded' | 'distributed';
  /** `SWITCHYARD_ADMIN_TOKEN`. */
  adminToken?: string;
  /** Whether the gateway requires credentials (the admin API then does too). */
  authenticationRequired: boolean;
  /** Where the rate limits and budgets stored through the admin API are loaded (the gate's `storedRules`). */
  storedLimits?: StoredLimitRules;
  env?: NodeJS.ProcessEnv;
}

interface OpenGovernance {
  keys: KeyVerification;
  tokens: JwtVerifier;
  admin: RequestHandler;
  audit?: SqlAuditLog;
  storedLimits: StoredLimitRules;
}

/**
 * Virtual keys, admin JWTs, the admin API, provider credentials and the
 * audit trail over the governance tables. The tables open in the background
 * (the embedded database takes a few seconds on a first start); a key or an
 * admin call that arrives meanwhile waits for them.
 */
export function startGovernance(options: GovernanceOptions): Governance {
  const { config, logger } = options;
  const env = options.env ?? process.env;
  if (options.client === undefined) {
    logger.warn(
      'governance-tables-unavailable: no records database (observability.postgresUrl) is configured, so virtual keys, admin JWTs and the admin API are off; only SWITCHYARD_ADMIN_TOKEN authenticates',
    );
    return { gatewayOptions: {}, recordPurge: () => undefined, ready: Promise.resolve(), close: async () => undefined };
  }
  let audit: SqlAuditLog | undefined;
  // A/B tests: empty until the tables open, then reloaded on every change.
  const experiments = new StoredExperimentAssigner();
  const { client: clientOption } = options;
  const open = (): Promise<OpenGovernance> => (typeof clientOption === 'function' ? clientOption() : clientOption).then(openTables);
  const openTables = async (client: SqlClient): Promise<OpenGovernance> => {
    const store = await openGovernanceStore(client);
    await store.ensureDefaultWorkspace();
    audit = await openAuditTrail(client, options.mode, config, env, logger);
    const redisUrl = config.governance.redisUrl === undefined ? undefined : redisUrlOf(config.governance.redisUrl, env);
    const keys = await createKeyVerification({ store, redisUrl, env, cache: config.keys.cache, logger });
    const jwt = { secret: await resolveJwtSecret(store, env) };
    const tokens = new JwtVerifier(store, jwt, config.keys.oidc);
    const auditLog = audit;
    const secrets = auditLog ? await openSecretStore(client, config.providerCredentials, auditLog, env) : undefined;
    // Rules stored through the admin API: loaded now, reloaded on every change (here, or announced over Redis).
    const storedLimits = options.storedLimits ?? new StoredLimitRules();
    const limitStore = await StoredLimitStore.open(client);
    const limitChanges = redisUrl ? await RedisLimitChangeBus.connect({ url: redisUrl, logger }) : new InProcessLimitChangeBus();
    await storedLimits.attach(limitStore, limitChanges, { logger });
    const experimentRoutes = await openExperiments({ client, governance: store, assigner: experiments, redisUrl, logger });
    const admin = createAdminRouter({
      store,
      keyHashSecret: keys.keyHashSecret,
      invalidations: keys.invalidations,
      adminToken: options.adminToken,
      jwt,
      oidc: config.keys.oidc,
      allowUnauthenticated: !options.authenticationRequired,
      logger,
      onAdminAction: auditLog ? (event) => auditLog.append(auditEntryOf(event)).then(() => undefined) : undefined,
      // Without a master key nothing could be stored safely: the provider-credential routes are then absent (404).
      routes: [
        createLimitRulesRouter({ governance: store, store: limitStore, rules: storedLimits }),
        experimentRoutes,
        ...(auditLog ? [createAuditExportRouter({ client, governance: store, logger })] : []),
        ...(secrets && auditLog
          ? [
              express.Router().use(
                '/provider-credentials',
                createProviderCredentialsRouter({
                  store: secrets,
                  auditLog,
                  authorize: (principal) => can(principal, 'provider_credentials.manage', ownTarget(principal)),
                }),
              ),
            ]
          : []),
      ],
    });
    return { keys, tokens, admin, audit, storedLimits };
  };
  let opening: Promise<OpenGovernance> | undefined;
  const startOpening = (): Promise<OpenGovernance> => {
    if (opening) return opening;
    opening = open();
    // A failure is reported through `ready` and to each caller, never as an unhandled rejection.
    opening.catch(() => undefined);
    return opening;
  };
  if (typeof clientOption !== 'function') void startOpening();

  const keyVerifier: KeyVerifier = { verify: async (key) => (await opened()).keys.verifier.verify(key) };
  const tokenVerifier: TokenVerifier = { verify: async (token) => (await opened()).tokens.verify(token) };
  const adminRoutes: RequestHandler = (request: Request, response: Response, next: NextFunction) => {
    opened().then((open) => open.admin(request, response, next), next);
  };

  async function opened(): Promise<OpenGovernance> {
    try {
      return await startOpening();
    } catch (error) {
      throw new GatewayError('The governance tables cannot be opened; keys and the admin API are unavailable.', {
        status: 503,
        errorClass: 'unavailable',
        code: 'governance_unavailable',
        cause: error,
      });
    }
  }

  const append = (entry: AuditEntry): void => {
    const failed = (error: unknown) => logger.error({ err: error, action: entry.action }, 'audit-append-failed');
    if (audit) {
      audit.append(entry).catch(failed);
      return;
    }
    // Tables opening at first need (or still opening): the entry is kept once they are open.
    startOpening()
      .then(
        (open) => open.audit?.append(entry),
        () => undefined,
      )
      .catch(failed);
  };

  return {
    gatewayOptions: {
      keyVerifier,
      tokenVerifier,
      adminRoutes,
      experiments,
      audit: {
        accessDenied: (event) =>
          append({
            actor: event.principal ? actorOf(event.principal) : { kind: 'anonymous', subject: 'anonymous', keyId: '', organization: '' },
            action: event.status === 401 ? 'api_key.denied' : 'permission.denied',
            outcome: 'denied',
            workspace: event.principal?.workspace,
            target: { type: 'route', id: `${event.method} ${event.path}` },
            source: { ip: event.ip, userAgent: event.userAgent },
            reason: event.code,
            requestId: event.requestId,
          }),
        userDataDeleted: (event) =>
          append({
            actor: actorOf(event.principal),
            action: 'user_data.delete',
            outcome: 'success',
            workspace: event.scope === 'all' ? undefined : event.scope.join(','),
            target: { type: 'user', id: event.user },
            source: { ip: event.ip, userAgent: event.userAgent },
            after: event.deleted,
            requestId: event.requestId,
          }),
      },
    },
    recordPurge: (purged, before) =>
      append({
        actor: { kind: 'anonymous', subject: 'retention', keyId: '', organization: '' },
        action: 'request_data.purge',
        outcome: 'success',
        target: { type: 'request_data', id: `before ${before.toISOString()}` },
        after: purged,
      }),
    get ready() {
      return startOpening().then(() => undefined);
    },
    close: async () => {
      const open = await opening?.catch(() => undefined);
      if (!open) return;
      await open.keys.close();
      await open.storedLimits.close();
      await experiments.close();
      if (open.audit) {
        await open.audit.checkpoint().catch((error: unknown) => logger.warn({ err: error }, 'audit-checkpoint-failed'));
        open.audit.close();
      }
    },
  };
}

/**
 * The audit trail. One process generates its signing key on first start; a
 * distributed gateway needs one given (replicas must not sign with keys of
 * their own), and without it runs with the trail off, saying so at every start.
 */
async function openAuditTrail(
  client: SqlClient,
  mode: 'embedded' | 'distributed',
  config: SwitchyardConfig,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<SqlAuditLog | undefined> {
  const { dataDirectory, postgresUrl } = config.observability;
  const keyGiven = Boolean(env.SWITCHYARD_AUDIT_SIGNING_KEY || env.SWITCHYARD_AUDIT_SIGNING_KEY_FILE);
  if (mode === 'embedded' && !postgresUrl && !keyGiven && config.audit.signingKeyFile === DEFAULT_SIGNING_KEY_FILE) {
    // Records in memory live as long as the process, and so does the key signing their checkpoints;
    // records in a data directory keep their key beside it.
    if (dataDirectory === 'memory://') {
      return SqlAuditLog.open(client, {
        signer: Ed25519CheckpointKey.generate(),
        checkpointEvery: config.audit.checkpointEvery,
        checkpointIntervalMs: config.audit.checkpointIntervalMs,
      });
    }
    return openAuditLog(client, { ...config.audit, signingKeyFile: auditSigningKeyFile(config) }, { mode, env });
  }
  try {
    return await openAuditLog(client, config.audit, { mode, env });
  } catch (error) {
    if (mode === 'embedded') throw error;
    logger.warn(
      { reason: error instanceof Error ? error.message : String(error) },
      'audit-trail-off: set SWITCHYARD_AUDIT_SIGNING_KEY or audit.signingKeyFile to record admin actions and denials',
    );
    return undefined;
  }
}

/** `audit.signingKeyFile` unless the config names another. */
const DEFAULT_SIGNING_KEY_FILE = '.switchyard/audit-signing-key.pem';

/**
 * Where the audit signing key is: `audit.signingKeyFile` when the config
 * names one, else beside the embedded data directory (`.switchyard/` for
 * the default `.switchyard/data`).
 */
export function auditSigningKeyFile(config: SwitchyardConfig): string {
  const { dataDirectory, postgresUrl } = config.observability;
  if (config.audit.signingKeyFile !== DEFAULT_SIGNING_KEY_FILE || postgresUrl || dataDirectory === 'memory://') return config.audit.signingKeyFile;
  return path.join(path.dirname(dataDirectory), 'audit-signing-key.pem');
}

/** Provider credentials belong to the caller's own workspace. */
function ownTarget(principal: Principal): { organization?: string; workspace: string } {
  return principal.organization === ''
    ? { workspace: principal.workspace }
    : { organization: principal.organization, workspace: principal.workspace };
}
