import type { Attributes, Histogram, Tracer } from '@opentelemetry/api';
import type { IdGenerator } from '@opentelemetry/sdk-trace-base';
import type { Logger, SwitchyardConfig } from '@switchyard/shared';
import type { RequestOutcome } from '../request-recorder';
import { providerIdentities } from './gen-ai-names';
import { resolveOtelSettings, type OtelSettings } from './otel-settings';
import { requestSpans, type SpanPlan } from './request-spans';

/** The gateway's OpenTelemetry export: spans and metrics of every recorded request. */
export interface OtelExport {
  /** Queues the request: its spans and measurements are made shortly after, and exported in batches, off the request path. */
  export(outcome: RequestOutcome): void;
  /** Takes up a reloaded config's providers (`gen_ai.provider.name`, `server.address`). */
  applyConfig(config: SwitchyardConfig): void;
  /** Exports what is queued now. */
  flush(): Promise<void>;
  /** Exports what is queued and stops. */
  shutdown(): Promise<void>;
}

/** Bucket boundaries the GenAI semantic conventions advise. */
const DURATION_BUCKETS_S = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const TIME_TO_FIRST_TOKEN_BUCKETS_S = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];

const INSTRUMENTATION_SCOPE = 'switchyard-gateway';

/** Starts the export the config's `telemetry` section (and the `OTEL_*` variables) ask for; undefined when it is off. */
export async function startConfiguredOtelExport(
  config: SwitchyardConfig,
  logger: Logger,
  env: Record<string, string | undefined> = process.env,
): Promise<OtelExport | undefined> {
  const settings = resolveOtelSettings(config.telemetry, env);
  return settings && startOtelExport(settings, config, logger);
}

/**
 * Starts the export. The OpenTelemetry SDK is loaded here, only when export
 * is on: with it off the gateway never loads it and pays nothing.
 */
export async function startOtelExport(settings: OtelSettings, config: SwitchyardConfig, logger: Logger): Promise<OtelExport> {
  const api = await import('@opentelemetry/api');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const resource = resourceFromAttributes({ 'service.name': settings.serviceName });
  reportExportFailures(api, logger);

  let tracer: Tracer | undefined;
  let ids: PresetIdGenerator | undefined;
  const closers: { flush(): Promise<void>; shutdown(): Promise<void> }[] = [];
  if (settings.traces) {
    const { BasicTracerProvider, BatchSpanProcessor, TraceIdRatioBasedSampler } = await import('@opentelemetry/sdk-trace-base');
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
    const { url, headers, timeoutMs, batch } = settings.traces;
    ids = new PresetIdGenerator();
    const provider = new BasicTracerProvider({
      resource,
      // By trace id alone: the caller's sampled flag is not known here, and every process of a trace decides alike.
      sampler: new TraceIdRatioBasedSampler(settings.samplingRatio),
      idGenerator: ids,
      spanProcessors: [
        new BatchSpanProcessor(new OTLPTraceExporter({ url, headers, timeoutMillis: timeoutMs }), {
          maxExportBatchSize: Math.min(batch.maxExportBatchSize, batch.maxQueueSize),
          maxQueueSize: batch.maxQueueSize,
          scheduledDelayMillis: batch.scheduledDelayMs,
          exportTimeoutMillis: timeoutMs,
        }),
      ],
    });
    tracer = provider.getTracer(INSTRUMENTATION_SCOPE);
    closers.push({ flush: () => provider.forceFlush(), shutdown: () => provider.shutdown() });
  }

  let instruments: Instruments | undefined;
  if (settings.metrics) {
    const { MeterProvider, PeriodicExportingMetricReader } = await import('@opentelemetry/sdk-metrics');
    const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-proto');
    const { url, headers, timeoutMs, exportIntervalMs } = settings.metrics;
    const provider = new MeterProvider({
      resource,
      readers: [
        new PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter({ url, headers, timeoutMillis: timeoutMs }),
          exportIntervalMillis: exportIntervalMs,
          exportTimeoutMillis: Math.min(timeoutMs, exportIntervalMs),
        }),
      ],
    });
    const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
    instruments = {
      operationDuration: meter.createHistogram('gen_ai.client.operation.duration', {
        description: 'Duration of each attempt at a provider',
        unit: 's',
        advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
      }),
      tokenUsage: meter.createHistogram('gen_ai.client.token.usage', {
        description: 'Tokens of each request a provider answered, by gen_ai.token.type',
        unit: '{token}',
        advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
      }),
      requestDuration: meter.createHistogram('gen_ai.server.request.duration', {
        description: 'Duration of each model request the gateway served, every attempt included',
        unit: 's',
        advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
      }),
      timeToFirstToken: meter.createHistogram('gen_ai.server.time_to_first_token', {
        description: 'Time from a streamed request to its first token',
        unit: 's',
        advice: { explicitBucketBoundaries: TIME_TO_FIRST_TOKEN_BUCKETS_S },
      }),
    };
    closers.push({ flush: () => provider.forceFlush(), shutdown: () => provider.shutdown() });
  }

  let providers = providerIdentities(config.providers);
  logger.info(
    // Where to, never the headers (they hold the backend's credentials).
    {
      traces: settings.traces ? withoutCredentials(settings.traces.url) : null,
      metrics: settings.metrics ? withoutCredentials(settings.metrics.url) : null,
      serviceName: settings.serviceName,
      samplingRatio: settings.samplingRatio,
    },
    'otel-export-started',
  );
  const exportNow = (outcome: RequestOutcome): void => {
    try {
      const spans = requestSpans(outcome, providers);
      if (tracer && ids) writeSpans(api, tracer, ids, spans.traceId, spans.spanId, spans.parentSpanId, spans.request, spans.attempts);
      if (instruments) recordMetrics(instruments, spans.request, spans.attempts, outcome);
    } catch (error) {
      // Export is an observer: whatever goes wrong in it never fails the request.
      logger.warn({ requestId: outcome.requestId, err: error }, 'otel-export-span-failed');
    }
  };
  // Outcomes wait here and are turned into spans and measurements a few at a time, a moment later: the
  // work then falls between requests rather than right after each response, ahead of the next request.
  const pending: RequestOutcome[] = [];
  const maxPending = settings.traces?.batch.maxQueueSize ?? DEFAULT_MAX_PENDING;
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  const drain = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    for (const outcome of pending.splice(0)) exportNow(outcome);
    if (dropped > 0) {
      logger.warn({ dropped }, 'otel-export-dropped: requests came faster than their spans could be made');
      dropped = 0;
    }
  };
  return {
    export(outcome) {
      if (pending.length >= maxPending) {
        dropped++;
        return;
      }
      pending.push(outcome);
      if (!timer) {
        timer = setTimeout(drain, DRAIN_DELAY_MS);
        timer.unref();
      }
    },
    applyConfig(next) {
      providers = providerIdentities(next.providers);
    },
    async flush() {
      drain();
      await Promise.all(closers.map((closer) => closer.flush()));
    },
    async shutdown() {
      drain();
      await Promise.all(closers.map((closer) => closer.shutdown()));
    },
  };
}

/** How long a recorded request waits before its spans are made (the batch exporter waits far longer). */
const DRAIN_DELAY_MS = 50;
const DEFAULT_MAX_PENDING = 2_048;

type OtelApi = typeof import('@opentelemetry/api');

interface Instruments {
  operationDuration: Histogram;
  tokenUsage: Histogram;
  requestDuration: Histogram;
  timeToFirstToken: Histogram;
}

/**
 * Gives the SDK the ids the request was recorded with (its trace and its
 * own span id), so that backends and `/v1/requests` agree; random ones for
 * the attempts. A span is started synchronously, so the ids preset for one
 * cannot be taken by another.
 */
class PresetIdGenerator implements IdGenerator {
  traceId?: string;
  spanId?: string;
  private readonly random = new Uint8Array(16);

  generateTraceId(): string {
    const preset = this.traceId;
    this.traceId = undefined;
    return preset ?? this.randomHex(16);
  }

  generateSpanId(): string {
    const preset = this.spanId;
    this.spanId = undefined;
    return preset ?? this.randomHex(8);
  }

  private randomHex(bytes: number): string {
    const view = this.random.subarray(0, bytes);
    crypto.getRandomValues(view);
    // An all-zero id is invalid; its odds are negligible, but a 1 in the last place costs nothing.
    if (view.every((byte) => byte === 0)) view[bytes - 1] = 1;
    return Buffer.from(view).toString('hex');
  }
}

function writeSpans(
  api: OtelApi,
  tracer: Tracer,
  ids: PresetIdGenerator,
  traceId: string,
  spanId: string,
  parentSpanId: string,
  request: SpanPlan,
  attempts: SpanPlan[],
): void {
  const { context, trace, SpanKind, SpanStatusCode, TraceFlags } = api;
  const parent = parentSpanId
    ? trace.setSpanContext(context.active(), { traceId, spanId: parentSpanId, traceFlags: TraceFlags.SAMPLED, isRemote: true })
    : trace.deleteSpan(context.active());
  ids.traceId = traceId;
  ids.spanId = spanId;
  const requestSpan = tracer.startSpan(request.name, { kind: SpanKind.SERVER, startTime: request.startMs, attributes: request.attributes }, parent);
  ids.traceId = undefined;
  ids.spanId = undefined;
  if (!requestSpan.isRecording()) return;
  const within = trace.setSpan(parent, requestSpan);
  for (const attempt of attempts) {
    const span = tracer.startSpan(attempt.name, { kind: SpanKind.CLIENT, startTime: attempt.startMs, attributes: attempt.attributes }, within);
    if (attempt.errorType) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(attempt.endMs);
  }
  if (request.errorType) requestSpan.setStatus({ code: SpanStatusCode.ERROR });
  requestSpan.end(request.endMs);
}

function recordMetrics(instruments: Instruments, request: SpanPlan, attempts: SpanPlan[], outcome: RequestOutcome): void {
  const requestAttributes = pick(request.attributes, ['gen_ai.operation.name', 'gen_ai.request.model', 'gen_ai.provider.name', 'error.type']);
  instruments.requestDuration.record(outcome.latencyMs / 1000, requestAttributes);
  if (outcome.streamed && outcome.timeToFirstTokenMs > 0) {
    instruments.timeToFirstToken.record(outcome.timeToFirstTokenMs / 1000, requestAttributes);
  }
  for (const attempt of attempts) {
    if (attempt.attributes['switchyard.attempt.outcome'] === 'skipped') continue;
    const attributes = pick(attempt.attributes, [
      'gen_ai.operation.name',
      'gen_ai.provider.name',
      'gen_ai.request.model',
      'gen_ai.response.model',
      'server.address',
      'server.port',
      'error.type',
    ]);
    instruments.operationDuration.record(Math.max(0, attempt.endMs - attempt.startMs) / 1000, attributes);
    const input = attempt.attributes['gen_ai.usage.input_tokens'];
    const output = attempt.attributes['gen_ai.usage.output_tokens'];
    if (typeof input === 'number') instruments.tokenUsage.record(input, { ...attributes, 'gen_ai.token.type': 'input' });
    if (typeof output === 'number') instruments.tokenUsage.record(output, { ...attributes, 'gen_ai.token.type': 'output' });
  }
}

/** Metric attributes: the low-cardinality ones only (never request ids, sessions or tags). */
function pick(attributes: SpanPlan['attributes'], names: readonly string[]): Attributes {
  const picked: Attributes = {};
  for (const name of names) if (attributes[name] !== undefined) picked[name] = attributes[name];
  return picked;
}

/** A URL as it may be logged: without user info or query (a token may hide in either). */
function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

let failuresReported = false;

/** The SDK reports failed exports through its diagnostic logger: send its errors to the gateway's log, once per process. */
function reportExportFailures(api: OtelApi, logger: Logger): void {
  if (failuresReported) return;
  failuresReported = true;
  const log =
    (level: 'warn' | 'error') =>
    (message: string, ...args: unknown[]) =>
      logger[level]({ event: 'otel-export', detail: args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(' ') }, message);
  const ignore = () => {};
  api.diag.setLogger({ error: log('error'), warn: log('warn'), info: ignore, debug: ignore, verbose: ignore }, api.DiagLogLevel.WARN);
}
