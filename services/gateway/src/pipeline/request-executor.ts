import {
  attemptsMade,
  chatRequestFeatures,
  executionPolicy,
  executionReportOf,
  isGatewayError,
  modelOnlyFeatures,
  SECRET_HEADER_NAME,
  speaksResponsesApi,
  invalidRequest,
  type AttemptRecord,
  type CallContext,
  type ChatRequest,
  type ChatResponse,
  type Deployment,
  type EmbeddingRequest,
  type EmbeddingResponse,
  type ExecutionPlan,
  type ExecutionPolicy,
  type ExecutionReport,
  GatewayError,
  type KeyScopes,
  type KindFallbacks,
  type NativeStreamEvent,
  type PluginServedBy,
  type PlanExecutor,
  type RequestFeatures,
  type ResilienceConfig,
  type RouteAttempt,
  type RoutePlan,
  type RouterService,
  type StreamPart,
  type SwitchyardConfig,
  type TranscriptionRequest,
  type TranscriptionResponse,
} from '@switchyard/shared';
import { authorizeRoute, InlineRoutes, readRouteHeader, ROUTE_HEADER } from './route-header';

/** Who answered a chat request: a deployment, or a plugin in its place (a cache hit). */
export type ServedBy = DeploymentServedBy | PluginServedBy;

/** Which deployment answered, how it was reached, and every attempt on the way. */
export interface DeploymentServedBy {
  deployment: Deployment;
  routePath: string;
  /** Attempts made (retries and hedges included, skipped deployments not). */
  attempts: number;
  /** Every attempt, in order; a stream's as they stood when it started. */
  report: ExecutionReport;
}

/** Told about every upstream attempt once it is over, for metrics. */
export type AttemptObserver = (attempt: AttemptRecord) => void;

/** Told of every request's report once its last attempt is over: what feeds the live statistics. */
export type ReportObserver = (report: ExecutionReport) => void;

/** Request headers as node:http gives them. */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** What routing may read of a request beyond its body. */
export interface RoutingInput {
  /** Routing rules' headers, and `x-switchyard-route`. */
  headers?: RequestHeaders;
  /** The caller's key scopes: a route `x-switchyard-route` names or holds must be one the key may request. */
  scopes?: KeyScopes;
}

/** Told, for one request, as each deployment is tried (`number` counts from 1). */
export type AttemptListener = (attempt: RouteAttempt, number: number) => void;

/**
 * The upstream work of one client request. Its signal follows the client's
 * (disconnect, deadline) and is aborted when the request ends, however it
 * ended: an upstream call still open then is cancelled and its connection
 * released, even one nobody reads any more (a stream whose response headers
 * could not be written, say). Upstream calls take `context`, never the
 * client's own.
 */
export class Execution {
  readonly context: CallContext;
  private readonly controller = new AbortController();
  private readonly follow: () => void;

  constructor(
    private readonly client: CallContext,
    private readonly ended: (execution: Execution) => void,
  ) {
    this.context = { requestId: client.requestId, signal: this.controller.signal };
    this.follow = () => this.controller.abort(client.signal.reason);
    if (client.signal.aborted) this.follow();
    else client.signal.addEventListener('abort', this.follow, { once: true });
  }

  /**
   * Why the gateway cut this request short (its shutdown, say), when it did:
   * the error to report in place of the cancellation the upstream call saw.
   */
  get cancellation(): GatewayError | undefined {
    const { signal } = this.controller;
    return signal.aborted && isGatewayError(signal.reason) ? signal.reason : undefined;
  }

  /** Cancels what is still running upstream, recording `reason` as the cause. */
  abort(reason: GatewayError): void {
    this.controller.abort(reason);
  }

  /** The request is over: whatever it left open upstream is cancelled. Idempotent. */
  end(): void {
    this.client.signal.removeEventListener('abort', this.follow);
    // A shared reason: abort() without one builds a DOMException, with its stack, for every request.
    this.controller.abort(REQUEST_OVER);
    this.ended(this);
  }
}

/** What the executor needs of the config, and whom it tells what happened. */
export interface RequestExecutorOptions {
  /** The `resilience` section: the policy of each route, and its fallbacks by failure kind. */
  resilience: ResilienceConfig;
  /** `server.requestTimeoutMs`: the deadline of a whole request, every attempt included. */
  requestTimeoutMs: number;
  /** The configured providers, which inline routes of `x-switchyard-route` may name. */
  providers: SwitchyardConfig['providers'];
  observeAttempt?: AttemptObserver;
  observeReport?: ReportObserver;
  /**
   * Told when a request is sent to the first deployment of its plan and when
   * it is over (`least-busy` counts these): the deployment that answers is
   * that one unless an attempt failed.
   */
  inFlight?: InFlightCounter;
  /** Uniform in [0, 1), for inline routes' strategies. */
  random?: () => number;
}

export interface InFlightCounter {
  started(deploymentId: string): void;
  finished(deploymentId: string): void;
}

/**
 * Carries one request through its route: the request's features, the plan
 * resolved for it (or for the route `x-switchyard-route` names or holds),
 * with its deadline, policy and fallbacks by failure kind, then ONE call to
 * the plan executor — in process, or the adapter service over gRPC — which
 * runs retries, fallback and hedging where the request is. The report that
 * comes back (on failure too) names the deployment that answered and every
 * attempt, for headers, the request record, metrics and live statistics.
 */
export class RequestExecutor {
  private readonly inFlight = new Set<Execution>();
  private idleWaiters: (() => void)[] = [];
  private readonly executionEnded = (execution: Execution): void => {
    if (!this.inFlight.delete(execution) || this.inFlight.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  };
  private readonly defaultPolicy: ExecutionPolicy;
  /** Policies of the routes that override the defaults, worked out once. */
  private readonly policies = new Map<string, ExecutionPolicy>();
  private readonly inlineRoutes: InlineRoutes;

  constructor(
    private readonly router: RouterService,
    private readonly planExecutor: PlanExecutor,
    private readonly options: RequestExecutorOptions,
  ) {
    this.defaultPolicy = executionPolicy(options.resilience);
    for (const [alias, route] of Object.entries(options.resilience.routes)) this.policies.set(alias, executionPolicy(options.resilience, route));
    this.inlineRoutes = new InlineRoutes(options.providers, options.random);
  }

  /**
   * Opens the upstream work of one client request: pass its `context` to the
   * calls below, and `end()` it when the response is over (in a `finally`).
   */
  begin(client: CallContext): Execution {
    const execution = new Execution(client, this.executionEnded);
    this.inFlight.add(execution);
    return execution;
  }

  /** Client requests begun and not yet ended. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Resolves once no client request is in flight. */
  whenIdle(): Promise<void> {
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Cancels the upstream work of every request in flight (shutdown past its grace). */
  abortAll(reason: GatewayError): void {
    for (const execution of [...this.inFlight]) execution.abort(reason);
  }

  async complete(
    request: ChatRequest,
    context: CallContext,
    onAttempt?: AttemptListener,
    routing: RoutingInput = {},
  ): Promise<{ response: ChatResponse; servedBy: DeploymentServedBy }> {
    const plan = await this.plan(request.model, chatRequestFeatures(request, routingHeaders(routing.headers)), routing, context);
    return this.answer(plan, () => this.planExecutor.complete(plan, request, context), onAttempt);
  }

  async stream(
    request: ChatRequest,
    context: CallContext,
    onAttempt?: AttemptListener,
    routing: RoutingInput = {},
  ): Promise<{ parts: AsyncIterable<StreamPart>; servedBy: DeploymentServedBy }> {
    const plan = await this.plan(request.model, chatRequestFeatures(request, routingHeaders(routing.headers)), routing, context);
    const finished = this.started(plan);
    let opened: Awaited<ReturnType<PlanExecutor['stream']>>;
    try {
      opened = await this.settled(this.planExecutor.stream(plan, request, context), onAttempt, false);
    } catch (error) {
      finished();
      throw error;
    }
    const { parts, report, final } = opened;
    void final.then((settled) => {
      finished();
      this.observe(settled);
    }, finished);
    return { parts, servedBy: this.servedBy(report, onAttempt) };
  }

  async embed(
    request: EmbeddingRequest,
    context: CallContext,
    onAttempt?: AttemptListener,
    routing: RoutingInput = {},
  ): Promise<{ response: EmbeddingResponse; servedBy: DeploymentServedBy }> {
    const plan = await this.plan(request.model, modelOnlyFeatures(request.model, routingHeaders(routing.headers)), routing, context);
    return this.answer(plan, () => this.planExecutor.embed(plan, request, context), onAttempt);
  }

  /** An audio transcription, routed on its model as an embedding is; a 501 where the plan executor offers none. */
  async transcribe(
    request: TranscriptionRequest,
    context: CallContext,
    onAttempt?: AttemptListener,
    routing: RoutingInput = {},
  ): Promise<{ response: TranscriptionResponse; servedBy: DeploymentServedBy }> {
    const planExecutor = this.planExecutor;
    if (!planExecutor.transcribe) {
      throw new GatewayError('This gateway cannot run audio transcriptions: its provider adapters do not offer them.', {
        status: 501,
        errorClass: 'internal',
        code: 'transcriptions_not_available',
      });
    }
    const plan = await this.plan(request.model, modelOnlyFeatures(request.model, routingHeaders(routing.headers)), routing, context);
    return this.answer(plan, () => planExecutor.transcribe!(plan, request, context), onAttempt);
  }

  /**
   * The plan of a Responses API request when every deployment it may reach
   * speaks that API and the plan executor passes bodies through: the body
   * then goes upstream unchanged. Undefined otherwise (it is translated).
   * Routing sees the model and headers only: the body is not canonical yet.
   */
  async nativeResponsesPlan(model: string, context: CallContext, routing: RoutingInput = {}): Promise<ExecutionPlan | undefined> {
    if (!this.planExecutor.respond || !this.planExecutor.streamRespond) return undefined;
    const plan = await this.plan(model, modelOnlyFeatures(model, routingHeaders(routing.headers)), routing, context);
    const reachable = [...plan.attempts, ...(plan.fallbacks?.context_length ?? []), ...(plan.fallbacks?.content_policy ?? [])];
    const native = reachable.every(({ deployment }) => speaksResponsesApi(this.options.providers[deployment.providerId]));
    return native ? plan : undefined;
  }

  /** Runs a `nativeResponsesPlan` with the client's body. */
  respond(
    plan: ExecutionPlan,
    body: Record<string, unknown>,
    context: CallContext,
    onAttempt?: AttemptListener,
  ): Promise<{ response: Record<string, unknown>; servedBy: DeploymentServedBy }> {
    return this.answer(plan, () => this.planExecutor.respond!(plan, body, context), onAttempt);
  }

  /** Streams a `nativeResponsesPlan` with the client's body: the upstream's events as they come. */
  async streamRespond(
    plan: ExecutionPlan,
    body: Record<string, unknown>,
    context: CallContext,
    onAttempt?: AttemptListener,
  ): Promise<{ events: AsyncIterable<NativeStreamEvent>; servedBy: DeploymentServedBy }> {
    const finished = this.started(plan);
    let opened: Awaited<ReturnType<NonNullable<PlanExecutor['streamRespond']>>>;
    try {
      opened = await this.settled(this.planExecutor.streamRespond!(plan, body, context), onAttempt, false);
    } catch (error) {
      finished();
      throw error;
    }
    const { events, report, final } = opened;
    void final.then((settled) => {
      finished();
      this.observe(settled);
    }, finished);
    return { events, servedBy: this.servedBy(report, onAttempt) };
  }

  /**
   * The plan of one request: its route (the model's, or the one
   * `x-switchyard-route` names or holds), the deadline, the route's policy,
   * and the fallbacks it has for context-length and content-policy failures.
   */
  private async plan(model: string, features: RequestFeatures, routing: RoutingInput, context: CallContext): Promise<ExecutionPlan> {
    const override = readRouteHeader(routing.headers?.[ROUTE_HEADER]);
    if (override && routing.scopes) authorizeRoute(override, routing.scopes);
    let route: RoutePlan;
    let routeName = model;
    if (override === undefined) {
      route = await this.router.resolveRoute(model, context, features);
    } else if (override.kind === 'alias') {
      routeName = override.name;
      route = await this.router.resolveRoute(override.name, context, features).catch((error: unknown) => {
        if (isGatewayError(error) && error.code === 'model_not_found') {
          throw invalidRequest(`The ${ROUTE_HEADER} header names no route or model: ${override.name}`, ROUTE_HEADER, 'invalid_value');
        }
        throw error;
      });
      route = { ...route, requestedModel: model };
    } else {
      route = this.inlineRoutes.resolve(override.target, model);
    }
    const overrides = this.options.resilience.routes[routeName];
    const timeoutMs = Math.min(this.options.requestTimeoutMs, overrides?.deadlineMs ?? Number.POSITIVE_INFINITY);
    const plan: ExecutionPlan = {
      ...route,
      deadline: Date.now() + timeoutMs,
      policy: this.policies.get(routeName) ?? this.defaultPolicy,
    };
    if (overrides?.contextLengthFallback || overrides?.contentPolicyFallback) {
      plan.fallbacks = await this.kindFallbacks(overrides.contextLengthFallback, overrides.contentPolicyFallback, context, features);
    }
    return plan;
  }

  /** The plans of a route's fallbacks by failure kind; one that does not resolve is left out (its kind then fails as it came). */
  private async kindFallbacks(
    contextLength: string | undefined,
    contentPolicy: string | undefined,
    context: CallContext,
    features: RequestFeatures,
  ): Promise<KindFallbacks> {
    const resolve = async (name: string | undefined, label: string): Promise<RouteAttempt[] | undefined> => {
      if (name === undefined) return undefined;
      try {
        const { attempts } = await this.router.resolveRoute(name, context, { ...features, model: name });
        return attempts.map(({ deployment, routePath }) => ({ deployment, routePath: routePath === '' ? label : `${label}.${routePath}` }));
      } catch {
        return undefined;
      }
    };
    const [contextLengthAttempts, contentPolicyAttempts] = await Promise.all([
      resolve(contextLength, 'contextLengthFallback'),
      resolve(contentPolicy, 'contentPolicyFallback'),
    ]);
    return {
      ...(contextLengthAttempts && { context_length: contextLengthAttempts }),
      ...(contentPolicyAttempts && { content_policy: contentPolicyAttempts }),
    };
  }

  /** Runs a plan that answers at once (not a stream), counted in flight until it is over. */
  private async answer<R>(
    plan: ExecutionPlan,
    run: () => Promise<{ response: R; report: ExecutionReport }>,
    onAttempt: AttemptListener | undefined,
  ): Promise<{ response: R; servedBy: DeploymentServedBy }> {
    const finished = this.started(plan);
    try {
      const { response, report } = await this.settled(run(), onAttempt);
      return { response, servedBy: this.servedBy(report, onAttempt) };
    } finally {
      finished();
    }
  }

  /** Counts the request in flight at its plan's first deployment; returns what ends it (once). */
  private started(plan: ExecutionPlan): () => void {
    const counter = this.options.inFlight;
    const first = plan.attempts[0]?.deployment.id;
    if (counter === undefined || first === undefined) return noop;
    counter.started(first);
    let over = false;
    return () => {
      if (over) return;
      over = true;
      counter.finished(first);
    };
  }

  /** Waits for the executor; a failure's report is told to the listeners before the error goes on. */
  private async settled<T>(running: Promise<T>, onAttempt: AttemptListener | undefined, observe = true): Promise<T & { report: ExecutionReport }> {
    try {
      const result = (await running) as T & { report: ExecutionReport };
      if (observe) this.observe(result.report);
      return result;
    } catch (error) {
      const report = executionReportOf(error);
      if (report) {
        this.observe(report);
        const last = lastTried(report);
        if (last) onAttempt?.(last, attemptsMade(report));
      }
      throw error;
    }
  }

  private observe(report: ExecutionReport): void {
    const { observeAttempt, observeReport } = this.options;
    if (observeAttempt) for (const attempt of report.attempts) if (attempt.outcome !== 'skipped') observeAttempt(attempt);
    observeReport?.(report);
  }

  private servedBy(report: ExecutionReport, onAttempt: AttemptListener | undefined): DeploymentServedBy {
    const served = report.attempts[report.served ?? report.attempts.length - 1];
    const attempts = attemptsMade(report);
    onAttempt?.(served, attempts);
    return { deployment: served.deployment, routePath: served.routePath, attempts, report };
  }
}

function noop(): void {}

/** Why what a request left open upstream is cancelled once it is over (nobody waits for that call any more). */
const REQUEST_OVER = new Error('The request is over.');

function lastTried(report: ExecutionReport): AttemptRecord | undefined {
  for (let index = report.attempts.length - 1; index >= 0; index--) if (report.attempts[index].outcome !== 'skipped') return report.attempts[index];
  return report.attempts[report.attempts.length - 1];
}

/** The headers routing rules may read: every one but credentials. */
function routingHeaders(headers: RequestHeaders = {}): Record<string, string> {
  const readable: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || SECRET_HEADER_NAME.test(name)) continue;
    readable[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return readable;
}
