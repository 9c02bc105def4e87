import {
  internalError,
  isGatewayError,
  type CallContext,
  type ChatRequest,
  type ChatResponse,
  type Deployment,
  type EmbeddingRequest,
  type EmbeddingResponse,
  type GatewayError,
  type ProviderAdapterService,
  type RouteAttempt,
  type RouterService,
  type StreamPart,
} from '@switchyard/shared';

/** Which deployment answered, and how it was reached. */
export interface ServedBy {
  deployment: Deployment;
  routePath: string;
  /** How many deployments were tried, this one included. */
  attempts: number;
}

/** Told about every upstream attempt, for metrics. */
export type AttemptObserver = (deployment: Deployment, durationSeconds: number, error?: GatewayError) => void;

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
    this.controller.abort();
    this.ended(this);
  }
}

/**
 * Carries one request through its route plan: asks the router for the plan,
 * calls each deployment in turn, and moves on to the next only after a
 * retryable error. A stream is committed to a deployment once it has
 * started; errors after that end the stream.
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

  constructor(
    private readonly router: RouterService,
    private readonly adapters: ProviderAdapterService,
    private readonly observeAttempt: AttemptObserver = () => {},
  ) {}

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

  complete(request: ChatRequest, context: CallContext, onAttempt?: AttemptListener): Promise<{ response: ChatResponse; servedBy: ServedBy }> {
    return this.run(request.model, context, onAttempt, (deployment) => this.adapters.complete(deployment, request, context)).then(
      ({ result, servedBy }) => ({ response: result, servedBy }),
    );
  }

  stream(request: ChatRequest, context: CallContext, onAttempt?: AttemptListener): Promise<{ parts: AsyncIterable<StreamPart>; servedBy: ServedBy }> {
    return this.run(request.model, context, onAttempt, (deployment) => this.adapters.stream(deployment, request, context)).then(
      ({ result, servedBy }) => ({ parts: result, servedBy }),
    );
  }

  embed(request: EmbeddingRequest, context: CallContext, onAttempt?: AttemptListener): Promise<{ response: EmbeddingResponse; servedBy: ServedBy }> {
    return this.run(request.model, context, onAttempt, (deployment) => this.adapters.embed(deployment, request, context)).then(
      ({ result, servedBy }) => ({ response: result, servedBy }),
    );
  }

  private async run<T>(
    model: string,
    context: CallContext,
    onAttempt: AttemptListener | undefined,
    call: (deployment: Deployment) => Promise<T>,
  ): Promise<{ result: T; servedBy: ServedBy }> {
    const plan = await this.router.resolveRoute(model, context);
    const attempts: RouteAttempt[] = plan.attempts;
    let lastError: GatewayError | undefined;
    for (let index = 0; index < attempts.length; index++) {
      const { deployment, routePath } = attempts[index];
      onAttempt?.(attempts[index], index + 1);
      const started = performance.now();
      try {
        const result = await call(deployment);
        this.observeAttempt(deployment, (performance.now() - started) / 1000);
        return { result, servedBy: { deployment, routePath, attempts: index + 1 } };
      } catch (error) {
        lastError = isGatewayError(error) ? error : internalError('The provider adapter failed unexpectedly.', error);
        this.observeAttempt(deployment, (performance.now() - started) / 1000, lastError);
        if (!lastError.retryable || context.signal.aborted) throw lastError;
      }
    }
    throw lastError ?? internalError(`The route plan for ${model} has no deployments.`);
  }
}
