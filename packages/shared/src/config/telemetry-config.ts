import { z } from 'zod';
// Read only inside the refinement, at parse time: config-schema.ts imports this file first.
import { SECRET_HEADER_NAME } from './config-schema';

/** A credential header's value: a reference, alone or after a scheme (`Bearer ${OTLP_TOKEN}`). */
const SCHEME_AND_REFERENCE = /^(?:[A-Za-z][A-Za-z0-9-]* )?\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

/**
 * The `telemetry` section: OpenTelemetry export (OTLP/HTTP, protobuf) of
 * the gateway's own spans and metrics, following the GenAI semantic
 * conventions (services/gateway/src/telemetry/otel). Off by default; when
 * off, nothing of OpenTelemetry is loaded. What the section leaves unset is
 * taken from the standard `OTEL_*` environment variables
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_HEADERS`,
 * `OTEL_SERVICE_NAME`, `OTEL_TRACES_SAMPLER_ARG`, …), then the defaults.
 */
export const telemetryConfigSchema = z
  .strictObject({
    /** Export spans and metrics. `SWITCHYARD_TELEMETRY_ENABLED` overrides it; `OTEL_SDK_DISABLED=true` turns it off. */
    enabled: z.boolean().default(false),
    /** `service.name` of the exported resource; else `OTEL_SERVICE_NAME`, else `switchyard` (`switchyard-<role>` for a distributed role). */
    serviceName: z.string().min(1).optional(),
    /** Share of traces exported, decided by trace id (so every process of one trace agrees); else `OTEL_TRACES_SAMPLER_ARG`, else 1. */
    samplingRatio: z.number().min(0).max(1).optional(),
    otlp: z
      .strictObject({
        /**
         * Base URL of an OTLP/HTTP receiver (`http://collector:4318`): spans go to `<endpoint>/v1/traces`,
         * metrics to `<endpoint>/v1/metrics`. Else `OTEL_EXPORTER_OTLP_ENDPOINT` (or the per-signal
         * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `_METRICS_ENDPOINT`), else `http://localhost:4318`.
         */
        endpoint: z.url().optional(),
        /** The whole URL spans go to (a receiver that takes traces only, such as Jaeger); wins over `endpoint`. */
        tracesEndpoint: z.url().optional(),
        /** The whole URL metrics go to; wins over `endpoint`. */
        metricsEndpoint: z.url().optional(),
        /**
         * Headers sent with every export (an API key of a hosted backend); values of credential headers must
         * be references (`Bearer ${OTLP_TOKEN}`). Merged over `OTEL_EXPORTER_OTLP_HEADERS`. Never logged.
         */
        headers: z
          .record(z.string().min(1), z.string())
          .superRefine((headers, context) => {
            for (const [name, value] of Object.entries(headers)) {
              if (SECRET_HEADER_NAME.test(name) && !SCHEME_AND_REFERENCE.test(value)) {
                context.addIssue({
                  code: 'custom',
                  path: [name],
                  message: 'must be a reference to an environment variable, such as ${OTLP_TOKEN} (after a scheme if needed: Bearer ${OTLP_TOKEN})',
                });
              }
            }
          })
          .default({}),
        /** One export request may take this long; else `OTEL_EXPORTER_OTLP_TIMEOUT`, else 10 s. */
        timeoutMs: z.number().int().positive().optional(),
      })
      .prefault({}),
    traces: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** Spans are exported in batches of at most this many, at least every `scheduledDelayMs`. */
        maxExportBatchSize: z.number().int().positive().default(512),
        scheduledDelayMs: z.number().int().positive().default(5_000),
        /** Spans waiting for export beyond this are dropped (and counted), never held up the requests. */
        maxQueueSize: z.number().int().positive().default(2_048),
      })
      .prefault({}),
    metrics: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** How often the metrics are exported; else `OTEL_METRIC_EXPORT_INTERVAL`, else 60 s. */
        exportIntervalMs: z.number().int().positive().optional(),
      })
      .prefault({}),
  })
  .prefault({});

export type TelemetryConfig = z.infer<typeof telemetryConfigSchema>;

type Environment = Record<string, string | undefined>;

/** `SWITCHYARD_TELEMETRY_ENABLED` (`true`/`false`) turns the export on or off whatever the file says. */
export function withTelemetryEnabled(raw: Record<string, unknown>, env: Environment, invalid: (message: string) => Error): Record<string, unknown> {
  const value = env.SWITCHYARD_TELEMETRY_ENABLED;
  if (value === undefined || value === '') return raw;
  if (value !== 'true' && value !== 'false') throw invalid(`SWITCHYARD_TELEMETRY_ENABLED must be true or false, got "${value}"`);
  return { ...raw, telemetry: { ...((raw.telemetry ?? {}) as Record<string, unknown>), enabled: value === 'true' } };
}
