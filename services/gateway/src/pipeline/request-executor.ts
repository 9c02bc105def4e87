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
 * Carries one request through its route plan: asks the router for the plan,
 * calls each deployment in turn, and moves on to the next only after a
 * retryable error. A stream is committed to a deployment once it has
 * started; errors after that end the stream.
 */
export class RequestExecutor {
  constructor(
    private readonly router: RouterService,
    private readonly adapters: ProviderAdapterService,
    private readonly observeAttempt: AttemptObserver = () => {},
  ) {}

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
