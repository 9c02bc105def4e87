import { resolveSecret, type SwitchyardConfig } from '@switchyard/shared';
import type { EventDatabaseOptions, InfluxEventWriterOptions } from '@switchyard/observability';

/** Where the config says records go: the Postgres URL, or the embedded database's folder. */
export function eventDatabaseOptions(config: SwitchyardConfig, env: NodeJS.ProcessEnv = process.env): EventDatabaseOptions {
  const { postgresUrl, dataDirectory } = config.observability;
  return postgresUrl ? { postgresUrl: resolveSecret(postgresUrl, env) } : { pgliteDataDir: dataDirectory };
}

/** InfluxDB, when configured. */
export function influxOptions(config: SwitchyardConfig, env: NodeJS.ProcessEnv = process.env): InfluxEventWriterOptions | undefined {
  const influx = config.observability.influx;
  if (!influx) return undefined;
  return { url: influx.url, database: influx.database, token: influx.token ? resolveSecret(influx.token, env) : undefined };
}
