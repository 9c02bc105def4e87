import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, createLogger, type SwitchyardConfig } from '@switchyard/shared';
import { startEmbedded, type GatewayOverrides } from '../../packages/cli/src/modes/embedded';
import {
  startAdapterService,
  startDistributedGateway,
  startObservabilityService,
  startRouterService,
  startSemanticService,
} from '../../packages/cli/src/modes/distributed';
import type { SemanticBackends } from '@switchyard/semantic';
import { TestCertificates } from '../support/test-certificates';
import { INFLUX_DATABASE, INFLUX_URL, KAFKA_BROKERS, POSTGRES_URL, requireKafka, requirePostgres } from '../support/infrastructure';

export type Mode = 'embedded' | 'distributed';

export interface RunningSwitchyard {
  /** For the `openai` SDK: `http://127.0.0.1:PORT/v1`. */
  baseURL: string;
  /** `http://127.0.0.1:PORT`, for the routes outside `/v1` (health, metrics, admin API). */
  origin: string;
  /** The config it runs with, after defaults and the harness's own settings. */
  config: SwitchyardConfig;
  /**
   * The virtual key (`sk-sy-…`) created through the admin API at start, in
   * `HarnessOptions.workspace`; undefined with `auth: false` or a `keyVerifier` of the test's own.
   */
  apiKey: string | undefined;
  /** The bootstrap admin token it runs with (`SWITCHYARD_ADMIN_TOKEN`); undefined with `auth: false`. */
  adminToken: string | undefined;
  /** `extra` plus `authorization: Bearer <apiKey>` when there is a key: what every request of a suite sends. */
  headers(extra?: Record<string, string>): Record<string, string>;
  /** Distributed mode: the observability service's Prometheus endpoint. */
  observabilityMetricsUrl?: string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Also write events to the InfluxDB of scripts/services.sh (`true`), or to another one (e.g. a dedicated server a test stops). */
  influx?: boolean | { url: string; database: string };
  /** Distributed mode: another Kafka than the shared one (e.g. a dedicated broker a test stops). */
  kafkaBrokers?: string[];
  /**
   * Authentication, on by default: an admin token of the run's own, and a
   * virtual key created through the admin API (see `RunningSwitchyard.apiKey`).
   * Given: the test's own token, verifiers or audit hooks instead. `false`:
   * no credential at all, the anonymous local-development mode, for a suite
   * that tests requests without one on purpose (it says why).
   */
  auth?: false | Pick<GatewayOverrides, 'adminToken' | 'keyVerifier' | 'tokenVerifier' | 'audit'>;
  /** The workspace of the key (created in the `default` organization when it is not `default`). */
  workspace?: string;
  /** Distributed mode: what the semantic service serves (default: its in-process embedder, store and checker). */
  semanticBackends?: SemanticBackends;
}

/**
 * Distributed mode runs its services over mutual TLS, with certificates made
 * for the run; `SWITCHYARD_E2E_TLS=off` runs them over plaintext loopback.
 */
const MUTUAL_TLS = process.env.SWITCHYARD_E2E_TLS !== 'off';

/**
 * Starts Switchyard in the given mode on free loopback ports.
 *
 * - embedded: one process; events go over the in-process bus to an
 *   embedded database in memory.
 * - distributed: router, adapter, observability and semantic services each on
 *   their own gRPC port, the gateway calling them over the network and
 *   publishing to the Kafka of scripts/services.sh (topics under a prefix of
 *   this run's own), consumed into its Postgres; every gRPC call over
 *   mutual TLS (see MUTUAL_TLS).
 */
export async function startSwitchyard(mode: Mode, rawConfig: unknown, options: HarnessOptions = {}): Promise<RunningSwitchyard> {
  const parsed: SwitchyardConfig = configSchema.parse(rawConfig);
  const logger = createLogger('e2e', process.env.LOG_LEVEL ?? 'silent');
  const influx = options.influx === true ? { url: INFLUX_URL, database: INFLUX_DATABASE } : options.influx || undefined;
  const auth = options.auth === false ? undefined : { adminToken: `e2e-admin-${randomBytes(12).toString('hex')}`, ...options.auth };
  // The audit trail's checkpoint signing key, made for the run: a distributed gateway runs with the trail
  // off without one, and one process would otherwise write its own into the working directory.
  const secrets = mkdtempSync(join(tmpdir(), 'switchyard-e2e-keys-'));
  const signingKeyFile = join(secrets, 'audit-signing-key.pem');
  writeFileSync(signingKeyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const base: SwitchyardConfig = { ...parsed, audit: { ...parsed.audit, signingKeyFile } };
  const removeSecrets = () => rm(secrets, { recursive: true, force: true });
  /** The running gateway, with the key made through its admin API. */
  const running = async (
    url: string,
    config: SwitchyardConfig,
    close: () => Promise<void>,
    observabilityMetricsUrl?: string,
  ): Promise<RunningSwitchyard> => {
    const apiKey = auth?.adminToken && !auth.keyVerifier ? await createKey(url, auth.adminToken, options.workspace ?? 'default') : undefined;
    const headers = (extra: Record<string, string> = {}) => (apiKey ? { ...extra, authorization: `Bearer ${apiKey}` } : { ...extra });
    return { baseURL: `${url}/v1`, origin: url, config, apiKey, adminToken: auth?.adminToken, headers, observabilityMetricsUrl, close };
  };
  if (mode === 'embedded') {
    const config: SwitchyardConfig = { ...base, observability: { ...base.observability, dataDirectory: 'memory://', influx } };
    const gateway = await startEmbedded(config, logger, { host: '127.0.0.1', port: 0, ...auth }).catch(async (error: unknown) => {
      await removeSecrets();
      throw error;
    });
    const close = async () => {
      await gateway.close(1_000);
      await removeSecrets();
    };
    try {
      await gateway.recordsReady;
      return await running(gateway.url, config, close);
    } catch (error) {
      await close();
      throw error;
    }
  }

  if (!options.kafkaBrokers) await requireKafka();
  await requirePostgres();
  const run = randomBytes(4).toString('hex');
  const certificates = MUTUAL_TLS ? await TestCertificates.create() : undefined;
  const tls = certificates
    ? {
        ...base.tls,
        ...(await certificates.mutualTls(`e2e-${run}`).catch(async (error: unknown) => {
          await certificates.remove();
          throw error;
        })),
        requireClientCert: true,
      }
    : base.tls;
  const spoolDirectory = mkdtempSync(join(tmpdir(), 'switchyard-spool-'));
  const withInfrastructure: SwitchyardConfig = {
    ...base,
    tls,
    events: {
      ...base.events,
      kafka: { brokers: options.kafkaBrokers ?? KAFKA_BROKERS, clientId: `e2e-${run}`, topicPrefix: `e2e-${run}.` },
      spoolDirectory,
    },
    observability: { ...base.observability, postgresUrl: POSTGRES_URL, consumerGroup: `e2e-${run}`, influx },
  };
  // What has started, closed in reverse order; on a failure to start, what did start is closed before
  // the error is thrown, so a suite whose beforeAll failed leaves no server behind (jest would not exit).
  const started: Array<() => Promise<void>> = [
    removeSecrets,
    async () => certificates?.remove(),
    () => rm(spoolDirectory, { recursive: true, force: true }),
  ];
  const closeStarted = async () => {
    for (const close of started.splice(0).reverse()) await close();
  };
  try {
    const adapters = await startAdapterService(withInfrastructure, logger, '127.0.0.1:0');
    started.push(() => adapters.close(1_000));
    // After the adapter service: the router follows the model lists it discovers.
    const router = await startRouterService(
      { ...withInfrastructure, services: { ...withInfrastructure.services, adapters: `127.0.0.1:${adapters.port}` } },
      logger,
      '127.0.0.1:0',
    );
    started.push(() => router.close(1_000));
    const observability = await startObservabilityService(withInfrastructure, logger, '127.0.0.1:0', 0);
    started.push(() => observability.close(1_000));
    // Builds nothing until a plugin calls it.
    const semantic = await startSemanticService(withInfrastructure, logger, '127.0.0.1:0', options.semanticBackends);
    started.push(() => semantic.close(1_000));
    const config: SwitchyardConfig = {
      ...withInfrastructure,
      services: {
        ...withInfrastructure.services,
        router: `127.0.0.1:${router.port}`,
        adapters: `127.0.0.1:${adapters.port}`,
        observability: `127.0.0.1:${observability.port}`,
        semantic: `127.0.0.1:${semantic.port}`,
      },
    };
    // The gateway keeps its keys, admin API and audit trail in the same Postgres (observability.postgresUrl).
    const gateway = await startDistributedGateway(config, logger, { host: '127.0.0.1', port: 0, ...auth });
    started.push(() => gateway.close(1_000));
    return await running(gateway.url, config, closeStarted, `http://127.0.0.1:${observability.metricsPort}/metrics`);
  } catch (error) {
    await closeStarted();
    throw error;
  }
}

/**
 * A virtual key made as an operator makes one: through the admin API of the
 * running gateway with the admin token (the workspace first, when it is not
 * the `default` one every database starts with).
 */
async function createKey(origin: string, adminToken: string, workspace: string): Promise<string> {
  const admin = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${origin}/admin/v1/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as Record<string, unknown>;
    if (response.status !== 201) throw new Error(`POST /admin/v1/${path} answered ${response.status}: ${JSON.stringify(answer)}`);
    return answer;
  };
  if (workspace !== 'default') await admin('workspaces', { id: workspace, organization: 'default' });
  const { key } = await admin('keys', { workspace, name: 'e2e' });
  if (typeof key !== 'string' || !key.startsWith('sk-sy-')) throw new Error(`POST /admin/v1/keys answered no key: ${String(key)}`);
  return key;
}
