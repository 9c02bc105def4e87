import { ConfigError, resolveSecret, type SwitchyardConfig } from '@switchyard/shared';

type TelemetryConfig = SwitchyardConfig['telemetry'];
type Environment = Record<string, string | undefined>;

/** Where and how the gateway exports, the config's `telemetry` section completed from `OTEL_*` variables. */
export interface OtelSettings {
  serviceName: string;
  samplingRatio: number;
  /** Absent when spans are not exported. */
  traces?: { url: string; headers: Record<string, string>; timeoutMs: number; batch: BatchSettings };
  /** Absent when metrics are not exported. */
  metrics?: { url: string; headers: Record<string, string>; timeoutMs: number; exportIntervalMs: number };
}

export interface BatchSettings {
  maxExportBatchSize: number;
  scheduledDelayMs: number;
  maxQueueSize: number;
}

const DEFAULT_ENDPOINT = 'http://localhost:4318';
const DEFAULT_SERVICE_NAME = 'switchyard';

/**
 * The export settings, or undefined when export is off (`telemetry.enabled`
 * false, or `OTEL_SDK_DISABLED=true`). The config wins over the standard
 * environment variables, which win over the defaults (as the OpenTelemetry
 * SDKs do it). Header values are resolved here: never log the result.
 */
export function resolveOtelSettings(config: TelemetryConfig, env: Environment = process.env): OtelSettings | undefined {
  if (!config.enabled || env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const configHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.otlp.headers)) {
    for (const match of value.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
      if (!env[match[1]]) throw new ConfigError(`invalid config:\n  - telemetry.otlp.headers.${name}: environment variable ${match[1]} is not set`);
    }
    configHeaders[name] = resolveSecret(value, env);
  }
  const timeoutMs = config.otlp.timeoutMs ?? positiveInteger(env, 'OTEL_EXPORTER_OTLP_TIMEOUT') ?? 10_000;
  const signal = (name: 'TRACES' | 'METRICS', path: string) => ({
    url: signalUrl(name === 'TRACES' ? config.otlp.tracesEndpoint : config.otlp.metricsEndpoint, config.otlp.endpoint, env, name, path),
    headers: {
      ...parseHeaderList(env.OTEL_EXPORTER_OTLP_HEADERS, 'OTEL_EXPORTER_OTLP_HEADERS'),
      ...parseHeaderList(env[`OTEL_EXPORTER_OTLP_${name}_HEADERS`], `OTEL_EXPORTER_OTLP_${name}_HEADERS`),
      ...configHeaders,
    },
    timeoutMs: config.otlp.timeoutMs ?? positiveInteger(env, `OTEL_EXPORTER_OTLP_${name}_TIMEOUT`) ?? timeoutMs,
  });
  return {
    serviceName: config.serviceName ?? (env.OTEL_SERVICE_NAME?.trim() || DEFAULT_SERVICE_NAME),
    samplingRatio: config.samplingRatio ?? samplingRatioOf(env),
    ...(config.traces.enabled && {
      traces: {
        ...signal('TRACES', 'v1/traces'),
        batch: {
          maxExportBatchSize: config.traces.maxExportBatchSize,
          scheduledDelayMs: config.traces.scheduledDelayMs,
          maxQueueSize: config.traces.maxQueueSize,
        },
      },
    }),
    ...(config.metrics.enabled && {
      metrics: {
        ...signal('METRICS', 'v1/metrics'),
        exportIntervalMs: config.metrics.exportIntervalMs ?? positiveInteger(env, 'OTEL_METRIC_EXPORT_INTERVAL') ?? 60_000,
      },
    }),
  };
}

/**
 * A per-signal endpoint (config or variable) is the whole URL; the config's
 * `endpoint` and `OTEL_EXPORTER_OTLP_ENDPOINT` get the signal's path (the
 * OTLP exporter specification).
 */
function signalUrl(
  signalEndpoint: string | undefined,
  configured: string | undefined,
  env: Environment,
  signal: 'TRACES' | 'METRICS',
  path: string,
): string {
  if (signalEndpoint) return signalEndpoint;
  if (configured) return joinPath(configured, path);
  const variable = env[`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`]?.trim();
  if (variable) return checkedUrl(variable, `OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`);
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return joinPath(base ? checkedUrl(base, 'OTEL_EXPORTER_OTLP_ENDPOINT') : DEFAULT_ENDPOINT, path);
}

function joinPath(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path}`;
}

function checkedUrl(value: string, variable: string): string {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) throw new ConfigError(`${variable} must be an http(s) URL, got "${value}"`);
  return value;
}

/** `OTEL_EXPORTER_OTLP_HEADERS`: `name=value` pairs, comma-separated, values percent-encoded (W3C baggage format). */
export function parseHeaderList(value: string | undefined, variable: string): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!value?.trim()) return headers;
  for (const pair of value.split(',')) {
    if (!pair.trim()) continue;
    const equals = pair.indexOf('=');
    const name = pair.slice(0, equals).trim();
    // The value is a secret: the message names the variable and the entry's position, never the value.
    if (equals <= 0 || !name) throw new ConfigError(`${variable}: each entry must be name=value`);
    try {
      headers[name.toLowerCase()] = decodeURIComponent(pair.slice(equals + 1).trim());
    } catch {
      throw new ConfigError(`${variable}: the value of ${name} is not percent-encoded correctly`);
    }
  }
  return headers;
}

/** `OTEL_TRACES_SAMPLER_ARG` with a ratio sampler (`traceidratio`, `parentbased_traceidratio`); 1 otherwise. */
function samplingRatioOf(env: Environment): number {
  const sampler = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase();
  if (sampler === 'always_off' || sampler === 'parentbased_always_off') return 0;
  if (sampler !== 'traceidratio' && sampler !== 'parentbased_traceidratio') return 1;
  const ratio = Number(env.OTEL_TRACES_SAMPLER_ARG);
  if (env.OTEL_TRACES_SAMPLER_ARG === undefined || !Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new ConfigError(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1 with OTEL_TRACES_SAMPLER=${sampler}`);
  }
  return ratio;
}

function positiveInteger(env: Environment, variable: string): number | undefined {
  const value = env[variable]?.trim();
  if (!value) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new ConfigError(`${variable} must be a positive whole number of milliseconds, got "${value}"`);
  return number;
}
