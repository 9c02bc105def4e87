import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  attemptsMade,
  executionReportOf,
  type CallContext,
  type ExperimentAssigner,
  type GatewayError,
  type GovernanceGate,
  type Logger,
  type Principal,
  type RequestLimits,
} from '@switchyard/shared';
import type { GatewayAuditHooks, RequestOrigin } from '../auth/gateway-audit-hooks';
import { requestPrincipal } from '../auth/request-principal';
import type { PluginPipeline } from '../plugins/plugin-pipeline';
import type { ServedBy } from '../pipeline/request-executor';
import type { RequestOperation, RequestRecorder } from '../telemetry/request-recorder';
import { RequestTelemetry } from '../telemetry/request-telemetry';
import type { ClientCountryLocator } from '../telemetry/client-country';
import { OPENAI_ERROR_FORMAT, type ErrorFormat } from './error-format';
import type { GatewayMetrics } from './gateway-metrics';
import { setExecutionHeaders } from './execution-headers';
import { requestTimedOut, toGatewayError } from './http-errors';
import { headerSafeValue, setSwitchyardHeader } from './response-headers';

/** What every HTTP route needs, shared by the fast routes and the express app. */
export interface ExchangeOptions {
  metrics: GatewayMetrics;
  logger: Logger;
  bodyLimitBytes: number;
  /** A request body must arrive whole within this long (408 after). */
  bodyTimeoutMs: number;
  requestTimeoutMs: number;
  /** Bounds of a request's content. */
  limits: RequestLimits;
  /** Where model requests are recorded when they end. */
  recorder: RequestRecorder;
  /** Rate limits and budgets of model requests; none when absent. */
  governance?: GovernanceGate;
  /** Told of every refused credential and permission. */
  audit?: GatewayAuditHooks;
  /** The plugins chat requests pass through; none when absent. */
  plugins?: PluginPipeline;
  /** The country recorded for each model request; none ('') when absent. */
  countryLocator?: ClientCountryLocator;
  /** A/B tests: picks the arm of a model experiment for chat requests; none when absent. */
  experiments?: ExperimentAssigner;
}

/** A client's `x-request-id` is kept only if it has this form; any other is ignored and a new id generated. */
export const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * One request from arrival to the last byte: its id (the client's
 * `x-request-id` when valid, else a new one, echoed back), its deadline, the
 * signal that aborts upstream work when the client goes away or the deadline
 * passes, and the one log line and metrics written when it ends.
 */
export class HttpExchange {
  readonly requestId: string;
  readonly arrived = performance.now();
  readonly context: CallContext;
  /** Who is calling, as the request listener established it; anonymous when no credential was required. */
  readonly principal: Principal;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private timedOut = false;
  /** Set on model requests, which are recorded when they end. */
  telemetry?: RequestTelemetry;
  /** How errors are written: the wire format of the route's clients. */
  errorFormat: ErrorFormat = OPENAI_ERROR_FORMAT;

  constructor(
    readonly request: IncomingMessage,
    readonly response: ServerResponse,
    readonly route: string,
    private readonly options: ExchangeOptions,
  ) {
    this.principal = requestPrincipal(request);
    const offered = request.headers['x-request-id'];
    this.requestId = typeof offered === 'string' && REQUEST_ID.test(offered) ? offered : randomUUID();
    response.setHeader('x-request-id', this.requestId);
    this.context = { requestId: this.requestId, signal: this.controller.signal };
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, options.requestTimeoutMs);
    response.once('close', () => {
      clearTimeout(this.timer);
      if (!response.writableFinished) this.controller.abort();
    });
  }

  /** The plugins of chat requests, if any. */
  get plugins(): PluginPipeline | undefined {
    return this.options.plugins;
  }

  get metrics(): GatewayMetrics {
    return this.options.metrics;
  }

  /** Marks this exchange as a model request, to be recorded when it ends. */
  track(operation: RequestOperation): RequestTelemetry {
    this.telemetry = new RequestTelemetry(this.options.recorder, operation, this.requestId, this.arrived, this.principal, (attribution) => {
      // W3C trace context: the client parents its next spans on this request's own span.
      if (!this.response.headersSent) this.response.setHeader('traceparent', `00-${attribution.traceId}-${attribution.spanId}-01`);
    });
    const { countryLocator } = this.options;
    if (countryLocator) this.telemetry.locateClient = () => countryLocator.locate(this.request.headers, this.request.socket.remoteAddress);
    return this.telemetry;
  }

  /** A plugin's answer names the plugin and its kind of answer; a deployment's, the provider, model, route path and attempts. */
  setServedBy(servedBy: ServedBy): void {
    const { response } = this;
    if ('plugin' in servedBy) {
      setSwitchyardHeader(response, 'x-switchyard-served-by', servedBy.plugin);
      if (servedBy.detail) setSwitchyardHeader(response, 'x-switchyard-served-by-detail', servedBy.detail);
      return;
    }
    this.telemetry?.reported(servedBy.report);
    setSwitchyardHeader(response, 'x-switchyard-provider', servedBy.deployment.providerId);
    setSwitchyardHeader(response, 'x-switchyard-model', servedBy.deployment.model);
    setExecutionHeaders(response, servedBy.report, servedBy.attempts);
    if (servedBy.routePath) setSwitchyardHeader(response, 'x-switchyard-route-path', servedBy.routePath);
  }

  sendJson(status: number, body: unknown): void {
    const text = JSON.stringify(body);
    this.response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    this.response.end(text);
  }

  /** Logs the request and counts it; call once, when the response is complete. */
  completed(servedBy?: ServedBy): void {
    const durationSeconds = (performance.now() - this.arrived) / 1000;
    const { response } = this;
    this.options.metrics.requestFinished(this.route, response.statusCode, durationSeconds);
    this.telemetry?.finish(response.destroyed && !response.writableEnded ? 'cancelled' : 'succeeded', response.statusCode);
    this.options.logger.info(
      {
        requestId: this.requestId,
        route: this.route,
        status: this.response.statusCode,
        durationMs: Math.round(durationSeconds * 1e4) / 10,
        ...(servedBy &&
          ('plugin' in servedBy
            ? { servedBy: servedBy.plugin, detail: servedBy.detail }
            : { provider: servedBy.deployment.providerId, model: servedBy.deployment.model, attempts: servedBy.attempts })),
      },
      'request-completed',
    );
  }

  /** Where this request came from, for audit records. */
  origin(): RequestOrigin {
    const { request } = this;
    return { requestId: this.requestId, ip: request.socket.remoteAddress ?? '', userAgent: String(request.headers['user-agent'] ?? '') };
  }

  /** Calls an audit hook, which must never break the request. */
  audit(call: (hooks: GatewayAuditHooks) => void): void {
    const hooks = this.options.audit;
    if (!hooks) return;
    try {
      call(hooks);
    } catch (error) {
      this.options.logger.error({ requestId: this.requestId, err: error }, 'audit-hook-failed');
    }
  }

  private auditDenied(error: GatewayError): void {
    const url = this.request.url ?? '/';
    const query = url.indexOf('?');
    this.audit((hooks) =>
      hooks.accessDenied?.({
        ...this.origin(),
        ...(this.principal.kind !== 'anonymous' && { principal: this.principal }),
        method: this.request.method ?? '',
        path: query === -1 ? url : url.slice(0, query),
        status: error.status,
        code: error.code ?? '',
      }),
    );
  }

  /** Answers with the error in the route's format (or ends a started stream with an error event), logs and counts it. */
  fail(error: unknown): void {
    const gatewayError: GatewayError = this.timedOut ? requestTimedOut(this.options.requestTimeoutMs) : toGatewayError(error);
    const { response, options } = this;
    options.metrics.error(gatewayError);
    this.telemetry?.reported(executionReportOf(error));
    this.telemetry?.finish(gatewayError.errorClass === 'cancelled' ? 'cancelled' : 'failed', gatewayError.status, gatewayError);
    const log = {
      requestId: this.requestId,
      route: this.route,
      status: gatewayError.status,
      errorClass: gatewayError.errorClass,
      code: gatewayError.code,
    };
    if (gatewayError.errorClass === 'internal') options.logger.error({ ...log, err: error }, 'request-failed');
    else options.logger.info(log, 'request-failed');
    if (gatewayError.status === 401 || gatewayError.status === 403) this.auditDenied(gatewayError);
    options.metrics.requestFinished(this.route, gatewayError.status, (performance.now() - this.arrived) / 1000);
    try {
      if (response.headersSent) {
        // Mid-stream: the clients read an error event and stop.
        if (!response.writableEnded && !response.destroyed) response.end(this.errorFormat.streamEvent(gatewayError, this.requestId));
        return;
      }
      if (gatewayError.code === 'request_body_timeout') {
        // The rest of the body may still be dribbling in: close rather than read it.
        options.metrics.httpTimeout('body');
        response.setHeader('connection', 'close');
      }
      if (gatewayError.retryAfter !== undefined) response.setHeader('retry-after', headerSafeValue(String(gatewayError.retryAfter)));
      const report = executionReportOf(error);
      if (report) setExecutionHeaders(response, report, attemptsMade(report));
      this.sendJson(gatewayError.status, this.errorFormat.body(gatewayError, this.requestId));
    } catch (writeError) {
      // The error itself could not be written: the connection is all that is left to end.
      options.logger.error({ requestId: this.requestId, err: writeError }, 'error-response-failed');
      response.destroy();
    }
  }
}
