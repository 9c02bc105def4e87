import { startEdgeIngestServer } from '@switchyard/edge-ingest';
import { createPostgresClient } from '@switchyard/database';
import { EventPublisherMetrics, KafkaEventPublisherThread } from '@switchyard/events';
import { edgeAuthenticate, RequestAuthenticator } from '@switchyard/gateway';
import { StoredLimitRules } from '@switchyard/auth';
import { authenticationRequired, ConfigError, type Logger, type SwitchyardConfig } from '@switchyard/shared';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { governancePostgresUrl, requireKafka } from './distributed';
import { wireEdgeIngest } from './edge-ingest';
import { startGovernance } from './governance';

export interface EdgeIngestService {
  url: string;
  port: number;
  close(graceMs?: number): Promise<void>;
}

/**
 * The `edge-ingest` role (distributed mode): Omi's `/v4/listen`,
 * `/v4/web/listen` and `/v1/sync-local-files` on `edge.port`. Keys are
 * verified as the gateways verify them (the governance database, revocations
 * through Redis); segments and conversations go to Kafka, where the
 * observability consumers store them; summaries and cloud speech to text go
 * to the gateways at the configured addresses, as the stream's own requests.
 */
export async function startEdgeIngestService(config: SwitchyardConfig, logger: Logger, overrides: { adminToken?: string } = {}): Promise<EdgeIngestService> {
  if (!config.edge.enabled) throw new ConfigError('edge.enabled: the edge-ingest service has nothing to serve with edge ingest turned off');
  if (!config.edge.conversations.summary.baseUrl) {
    throw new ConfigError("edge.conversations.summary.baseUrl: the edge-ingest service needs a gateway's address for conversation summaries");
  }
  if (config.edge.speech.engine === 'gateway' && !config.edge.speech.gateway.baseUrl) {
    throw new ConfigError("edge.speech.gateway.baseUrl: the edge-ingest service needs a gateway's address for cloud speech to text");
  }
  const kafka = requireKafka(config, 'edge-ingest service');
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'switchyard_' });
  const events = await KafkaEventPublisherThread.start({
    brokers: kafka.brokers,
    clientId: kafka.clientId,
    topicPrefix: kafka.topicPrefix,
    spoolDirectory: config.events.spoolDirectory,
    spoolMaxBytes: config.events.spoolMaxBytes,
    queueCapacity: config.events.queueCapacity,
    lingerMs: config.events.lingerMs,
    logger,
    metrics: new EventPublisherMetrics(registry),
  });
  const required = authenticationRequired(config, overrides.adminToken);
  const postgresUrl = governancePostgresUrl(config, logger);
  const governanceClient = postgresUrl ? createPostgresClient({ url: postgresUrl, logger, applicationName: 'switchyard-edge-ingest' }) : undefined;
  const governance = startGovernance({
    config,
    logger,
    client: governanceClient && Promise.resolve(governanceClient),
    mode: 'distributed',
    adminToken: overrides.adminToken,
    authenticationRequired: required,
    storedLimits: new StoredLimitRules(),
  });
  const { keyVerifier, tokenVerifier } = governance.gatewayOptions;
  const authenticate = edgeAuthenticate(new RequestAuthenticator({ required, adminToken: overrides.adminToken || undefined, keyVerifier, tokenVerifier }));
  const edge = wireEdgeIngest(config, logger, { publisher: events, registry });
  const closeAll = async () => {
    await edge.close();
    await events.close();
    await governance.close();
    await governanceClient?.close();
  };
  let server;
  try {
    if (!edge.endpoints) throw new ConfigError('edge.enabled: edge ingest is turned off');
    const endpoints = edge.endpoints(authenticate);
    server = await startEdgeIngestServer({ endpoints, authenticate, registry, logger, host: config.server.host, port: config.edge.port });
  } catch (error) {
    await closeAll();
    throw error;
  }
  return {
    url: server.url,
    port: server.port,
    close: async () => {
      await server.close();
      await closeAll();
    },
  };
}
