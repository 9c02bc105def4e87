import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
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
} from '../../packages/cli/src/modes/distributed';
import { TestCertificates } from '../support/test-certificates';
import { INFLUX_DATABASE, INFLUX_URL, KAFKA_BROKERS, POSTGRES_URL, requireKafka, requirePostgres } from '../support/infrastructure';

export type Mode = 'embedded' | 'distributed';

export interface RunningSwitchyard {
  /** For the `openai` SDK: `http://127.0.0.1:PORT/v1`. */
  baseURL: string;
  /** The config it runs with, after defaults and the harness's own settings. */
  config: SwitchyardConfig;
  /** Distributed mode: the observability service's Prometheus endpoint. */
  observabilityMetricsUrl?: string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Also write events to the InfluxDB of scripts/services.sh. */
  influx?: boolean;
  /** Distributed mode: another Kafka than the shared one (e.g. a dedicated broker a test stops). */
  kafkaBrokers?: string[];
  /** Authentication of the gateway: an admin token, verifiers, audit hooks. */
  auth?: Pick<GatewayOverrides, 'adminToken' | 'keyVerifier' | 'tokenVerifier' | 'audit'>;
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
 * - distributed: router, adapter service and observability service each on
 *   their own gRPC port, the gateway calling them over the network and
 *   publishing to the Kafka of scripts/services.sh (topics under a prefix of
 *   this run's own), consumed into its Postgres; every gRPC call over
 *   mutual TLS (see MUTUAL_TLS).
 */
export async function startSwitchyard(mode: Mode, rawConfig: unknown, options: HarnessOptions = {}): Promise<RunningSwitchyard> {
  const base: SwitchyardConfig = configSchema.parse(rawConfig);
  const logger = createLogger('e2e', process.env.LOG_LEVEL ?? 'silent');
  const influx = options.influx ? { url: INFLUX_URL, database: INFLUX_DATABASE } : undefined;
  if (mode === 'embedded') {
    const config: SwitchyardConfig = { ...base, observability: { ...base.observability, dataDirectory: 'memory://', influx } };
    const gateway = await startEmbedded(config, logger, { host: '127.0.0.1', port: 0, ...options.auth });
    await gateway.recordsReady.catch(async (error: unknown) => {
      await gateway.close(1_000);
      throw error;
    });
    return { baseURL: `${gateway.url}/v1`, config, close: () => gateway.close(1_000) };
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
  const started: Array<() => Promise<void>> = [async () => certificates?.remove(), () => rm(spoolDirectory, { recursive: true, force: true })];
  const closeStarted = async () => {
    for (const close of started.splice(0).reverse()) await close();
  };
  try {
    const router = await startRouterService(withInfrastructure, logger, '127.0.0.1:0');
    started.push(() => router.close(1_000));
    const adapters = await startAdapterService(withInfrastructure, logger, '127.0.0.1:0');
    started.push(() => adapters.close(1_000));
    const observability = await startObservabilityService(withInfrastructure, logger, '127.0.0.1:0', 0);
    started.push(() => observability.close(1_000));
    const config: SwitchyardConfig = {
      ...withInfrastructure,
      services: {
        ...withInfrastructure.services,
        router: `127.0.0.1:${router.port}`,
        adapters: `127.0.0.1:${adapters.port}`,
        observability: `127.0.0.1:${observability.port}`,
      },
    };
    const gateway = await startDistributedGateway(config, logger, { host: '127.0.0.1', port: 0, ...options.auth });
    started.push(() => gateway.close(1_000));
    return {
      baseURL: `${gateway.url}/v1`,
      config,
      observabilityMetricsUrl: `http://127.0.0.1:${observability.metricsPort}/metrics`,
      close: closeStarted,
    };
  } catch (error) {
    await closeStarted();
    throw error;
  }
}
