import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AttemptRecord, GatewayError } from '@switchyard/shared';

const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Prometheus metrics of the gateway, named `switchyard_<area>_<thing>_<unit>`. */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'status_code'>;
  private readonly requestDuration: Histogram<'route'>;
  private readonly upstreamDuration: Histogram<'provider' | 'outcome'>;
  private readonly timeToFirstChunk: Histogram<'provider'>;
  private readonly errors: Counter<'error_class'>;
  private readonly connectionsRejected: Counter;
  private readonly httpTimeouts: Counter<'phase'>;
  private readonly malformedRequests: Counter<'reason'>;
  private readonly pluginAnswers: Counter<'plugin' | 'detail'>;
  private readonly pluginFailures: Counter<'plugin' | 'hook'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'switchyard_' });
    this.requests = new Counter({
      name: 'switchyard_gateway_requests_total',
      help: 'HTTP requests answered, by route and status code.',
      labelNames: ['route', 'status_code'],
      registers: [this.registry],
    });
    this.requestDuration = new Histogram({
      name: 'switchyard_gateway_request_duration_seconds',
      help: 'Time from request arrival to the end of the response.',
      labelNames: ['route'],
      buckets: latencyBuckets,
      registers: [this.registry],
    });
    this.upstreamDuration = new Histogram({
      name: 'switchyard_gateway_upstream_duration_seconds',
      help: 'One attempt at a provider, from request to the end of its response (a stream: its last part), by outcome (ok or the failure kind).',
      labelNames: ['provider', 'outcome'],
      buckets: latencyBuckets,
      registers: [this.registry],
    });
    this.timeToFirstChunk = new Histogram({
      name: 'switchyard_gateway_time_to_first_chunk_seconds',
      help: 'Time from request arrival to the first streamed chunk sent to the client.',
      labelNames: ['provider'],
      buckets: latencyBuckets,
      registers: [this.registry],
    });
    this.errors = new Counter({
      name: 'switchyard_gateway_errors_total',
      help: 'Errors answered to clients or met upstream, by class.',
      labelNames: ['error_class'],
      registers: [this.registry],
    });
    this.connectionsRejected = new Counter({
      name: 'switchyard_http_connections_rejected_total',
      help: 'Connections closed on arrival because server.maxConnections were already open.',
      registers: [this.registry],
    });
    this.httpTimeouts = new Counter({
      name: 'switchyard_http_timeouts_total',
      help: 'Requests whose headers or body did not arrive in time (server.headersTimeoutMs, server.bodyTimeoutMs), by phase.',
      labelNames: ['phase'],
      registers: [this.registry],
    });
    this.malformedRequests = new Counter({
      name: 'switchyard_http_malformed_requests_total',
      help: 'Requests refused before routing because Node could not parse them (bad header, URL, framing), by reason.',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.pluginAnswers = new Counter({
      name: 'switchyard_gateway_plugin_answers_total',
      help: 'Chat requests a plugin answered in place of a provider (a cache hit), by plugin and kind of answer.',
      labelNames: ['plugin', 'detail'],
      registers: [this.registry],
    });
    this.pluginFailures = new Counter({
      name: 'switchyard_gateway_plugin_failures_total',
      help: 'Plugin hooks that threw (the request failed, or the failure was only logged off the request path), by plugin and hook.',
      labelNames: ['plugin', 'hook'],
      registers: [this.registry],
    });
  }

  pluginAnswered(plugin: string, detail: string): void {
    this.pluginAnswers.inc({ plugin, detail });
  }

  pluginFailed(plugin: string, hook: string): void {
    this.pluginFailures.inc({ plugin, hook });
  }

  connectionRejected(): void {
    this.connectionsRejected.inc();
  }

  httpTimeout(phase: 'headers' | 'body'): void {
    this.httpTimeouts.inc({ phase });
  }

  malformedRequest(reason: string): void {
    this.malformedRequests.inc({ reason });
  }

  requestFinished(route: string, statusCode: number, durationSeconds: number): void {
    this.requests.inc({ route, status_code: statusCode });
    this.requestDuration.observe({ route }, durationSeconds);
  }

  /** One attempt of a plan, once over; `outcome` is `ok` or its failure kind (`rate_limit`, `timeout`, …). */
  upstreamAttempt = (attempt: AttemptRecord): void => {
    this.upstreamDuration.observe(
      { provider: attempt.deployment.providerId, outcome: attempt.outcome === 'succeeded' ? 'ok' : (attempt.failure ?? attempt.outcome) },
      attempt.durationMs / 1000,
    );
  };

  /** `providerId` is the provider's, or `plugin:<name>` for a plugin's answer replayed as a stream. */
  firstChunk(providerId: string, secondsSinceArrival: number): void {
    this.timeToFirstChunk.observe({ provider: providerId }, secondsSinceArrival);
  }

  error(error: GatewayError): void {
    this.errors.inc({ error_class: error.errorClass });
  }
}
