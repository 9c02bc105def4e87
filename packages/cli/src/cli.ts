#!/usr/bin/env node
import { parseArgs } from 'node:util';
import type { Registry } from 'prom-client';
import { ADMIN_TOKEN_VARIABLE, ConfigError, createLogger, loadConfig, type Logger } from '@switchyard/shared';
import { runAuditCommand } from './commands/audit-command';
import { runKeysCommand } from './commands/keys-command';
import { runProvidersCommand } from './commands/providers-command';
import { applyConfigTarget, startConfigReload, type ConfigReloadTarget } from './config-reload';
import { startEmbedded } from './modes/embedded';
import { startEdgeIngestService } from './modes/edge-ingest-service';
import {
  startAdapterService,
  startDistributedGateway,
  startObservabilityService,
  startRouterService,
  startSemanticService,
} from './modes/distributed';

const usage = `Usage: switchyard [all|gateway|router|adapters|observability|semantic|edge-ingest] [--config FILE]

  all            everything in one process, recording requests in an embedded
                 database (default)
  gateway        the HTTP gateway, calling the other services over gRPC and
                 publishing events to Kafka
  router         the router service (gRPC)
  adapters       the provider adapter service (gRPC)
  observability  Kafka consumers writing to Postgres (and InfluxDB), and the
                 query service (gRPC)
  semantic       the embedder, vector store and guardrail checks of the
                 gateways' semantic plugins (gRPC)
  edge-ingest    Omi wearable audio (/v4/listen, /v4/web/listen,
                 /v1/sync-local-files) on edge.port, publishing to Kafka
  keys           create, list, revoke and rotate API keys on a running server
                 (switchyard keys --help)
  providers      list the providers Switchyard knows by name, their base URLs
                 and environment variables ([--json])

  --config FILE   YAML config (or SWITCHYARD_CONFIG); without one, every
                  provider whose environment variable is set is enabled
                  (OPENAI_API_KEY, ANTHROPIC_API_KEY, GROQ_API_KEY, ...:
                  switchyard providers lists them)

  audit verify|export   check or export the audit trail (switchyard audit --help)
`;

const roles = ['all', 'gateway', 'router', 'adapters', 'observability', 'semantic', 'edge-ingest'] as const;
type Role = (typeof roles)[number];

interface Stoppable {
  close(graceMs?: number): Promise<void>;
}

async function main(): Promise<void> {
  // Admin sub-commands take options of their own: dispatched before the server options are parsed.
  const [command, ...commandArgs] = process.argv.slice(2);
  if (command === 'keys') {
    const io = { env: process.env, stdout: (text: string) => process.stdout.write(text), stderr: (text: string) => process.stderr.write(text) };
    process.exitCode = await runKeysCommand(commandArgs, io);
    return;
  }
  if (command === 'providers') {
    process.exitCode = runProvidersCommand(commandArgs, {
      env: process.env,
      stdout: (text: string) => process.stdout.write(text),
      stderr: (text: string) => process.stderr.write(text),
    });
    return;
  }
  if (command === 'audit') {
    process.exitCode = await runAuditCommand(commandArgs, { env: process.env, stdout: process.stdout, stderr: process.stderr });
    return;
  }
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    // An unknown or malformed option: node's message names it; the usage says what there is.
    process.stderr.write(`switchyard: ${error instanceof Error ? error.message.split('.')[0] : String(error)}\n\n${usage}`);
    process.exitCode = 2;
    return;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  const role = (positionals[0] ?? 'all') as Role;
  if (!roles.includes(role)) {
    process.stderr.write(`unknown command "${positionals[0]}"\n\n${usage}`);
    process.exit(2);
  }
  const logger = createLogger(role === 'all' ? 'switchyard' : role);
  let loaded;
  try {
    // Each role checks only the secrets it uses: the gateway and the router start without any provider key.
    loaded = loadConfig(values.config ?? process.env.SWITCHYARD_CONFIG, process.env, { role });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`switchyard: ${error.message}\n`);
    process.exit(1);
  }
  const { config, source } = loaded;
  const configPath = values.config ?? process.env.SWITCHYARD_CONFIG;
  const providers = Object.entries(config.providers).map(([id, provider]) => `${id} (${provider.kind})`);
  if (role === 'all' || role === 'gateway' || role === 'adapters') {
    if (providers.length === 0) {
      logger.warn(
        { event: 'no-provider-configured' },
        'no provider configured: set a provider key (OPENAI_API_KEY, ANTHROPIC_API_KEY, GROQ_API_KEY, ...: switchyard providers lists them) or a local server address (OPENAI_BASE_URL, OLLAMA_HOST), or pass --config FILE',
      );
    } else {
      logger.info({ providers, source }, 'providers-enabled');
    }
  }

  let running: Stoppable;
  let reloadTargets: readonly ConfigReloadTarget[] = [];
  let metricsRegistry: Registry | undefined;
  if (role === 'all') {
    const gateway = await startEmbedded(config, logger, { adminToken: process.env[ADMIN_TOKEN_VARIABLE] });
    const records = config.observability.postgresUrl ? 'postgres' : config.observability.dataDirectory;
    logger.info({ url: gateway.url, mode: 'embedded', records }, 'gateway-listening');
    gateway.recordsOpened.then(
      () => logger.info({ records }, 'records-ready'),
      // Serving without recording would lose every record: stop, loudly.
      (error: unknown) => {
        logger.error({ err: error, records }, 'records-database-failed');
        const exit = () => logger.flush(() => process.exit(1));
        gateway.close(1_000).then(exit, (closeError: unknown) => {
          logger.error({ err: closeError }, 'shutdown-failed');
          exit();
        });
      },
    );
    running = gateway;
    reloadTargets = gateway.reloadTargets;
    metricsRegistry = gateway.metrics.registry;
  } else if (role === 'gateway') {
    const gateway = await startDistributedGateway(config, logger, { adminToken: process.env[ADMIN_TOKEN_VARIABLE] });
    logger.info({ url: gateway.url, mode: 'distributed', router: config.services.router, adapters: config.services.adapters }, 'gateway-listening');
    running = gateway;
    metricsRegistry = gateway.metrics.registry;
    reloadTargets = [
      applyConfigTarget('gateway', ['providers'], gateway),
      // The router's own file routes every request: the gateway's `routes` are not used, so never wait for a restart.
      { name: 'routes-of-the-router', sections: ['routes'], prepare: () => ({ commit: () => {} }) },
    ];
  } else if (role === 'router') {
    const router = await startRouterService(config, logger);
    running = router;
    reloadTargets = router.reloadTargets ?? [];
  } else if (role === 'adapters') {
    const adapters = await startAdapterService(config, logger);
    running = adapters;
    reloadTargets = adapters.reloadTargets ?? [];
  } else if (role === 'edge-ingest') {
    running = await startEdgeIngestService(config, logger, { adminToken: process.env[ADMIN_TOKEN_VARIABLE] });
  } else if (role === 'semantic') {
    const semantic = await startSemanticService(config, logger);
    running = semantic;
    logger.info({ address: config.services.semantic, port: semantic.port }, 'semantic-listening');
  } else {
    const observability = await startObservabilityService(config, logger);
    running = observability;
    logger.info(
      { address: config.services.observability, metricsPort: observability.metricsPort, consumerGroup: config.observability.consumerGroup },
      'observability-listening',
    );
  }
  // The file is read again as at startup (same path, environment and role checks) on SIGHUP and when it changes.
  const reload = await startConfigReload({
    path: configPath || undefined,
    initial: config,
    load: () => loadConfig(configPath, process.env, { role }).config,
    targets: reloadTargets,
    logger,
    registry: metricsRegistry,
  });
  const stoppable: Stoppable = {
    close: (graceMs) => {
      // A SIGHUP while stopping neither reloads nor ends the process before its grace (SIGHUP's default).
      process.on('SIGHUP', () => {});
      reload.close();
      return running.close(graceMs);
    },
  };
  handleSignals(stoppable, logger);
}

/** How long past its grace period a shutdown may take before the process exits anyway. */
const SHUTDOWN_DEADLINE_MARGIN_MS = 5_000;

function handleSignals(running: Stoppable, logger: Logger): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutdown-started');
    const exit = (code: number) => logger.flush(() => process.exit(code));
    const configuredGrace = Number(process.env.SHUTDOWN_GRACE_MS ?? 10_000);
    const graceMs = Number.isFinite(configuredGrace) && configuredGrace >= 0 ? configuredGrace : 10_000;
    // A hard deadline: whatever still hangs after the grace, the cancellations and the flush (a
    // stuck broker, a connection that will not close) does not keep the process alive.
    setTimeout(() => {
      logger.error({ signal, graceMs, deadlineMs: graceMs + SHUTDOWN_DEADLINE_MARGIN_MS }, 'shutdown-deadline-passed');
      exit(1);
    }, graceMs + SHUTDOWN_DEADLINE_MARGIN_MS).unref();
    running.close(graceMs).then(
      () => {
        logger.info({ signal }, 'shutdown-complete');
        exit(0);
      },
      (error) => {
        logger.error({ err: error }, 'shutdown-failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error) => {
  // A config problem found after loading (the router checks its route trees) reads like one found while loading.
  const message = error instanceof ConfigError ? error.message : error instanceof Error ? error.stack : String(error);
  process.stderr.write(`switchyard: ${message}\n`);
  process.exit(1);
});
