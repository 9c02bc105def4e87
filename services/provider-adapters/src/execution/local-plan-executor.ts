import {
  executionPolicy,
  failureKind,
  internalError,
  isGatewayError,
  OPEN_GATE,
  requestCancelled,
  resilienceConfigSchema,
  retryAfterMs,
  withExecutionReport,
  type AttemptGate,
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
  type FailureKind,
  type GatewayError,
  type NativeStreamEvent,
  type PlanExecutor,
  type ProviderAdapterService,
  type RouteAttempt,
  type StreamPart,
  type TranscriptionRequest,
  type TranscriptionResponse,
} from '@switchyard/shared';
import { AttemptControl } from './attempt-control';
import { backOffDelay } from './back-off';
import { CommittedStream, type OpenedStream } from './committed-stream';
import { attemptTimedOut, contentRefused, deadlineExceeded, deploymentUnavailable, hedgeLost } from './execution-errors';

/** The policy of a plan sent without one: the `resilience` section's defaults. */
export const DEFAULT_EXECUTION_POLICY: ExecutionPolicy = executionPolicy(resilienceConfigSchema.parse({}));

export interface LocalPlanExecutorOptions {
  /** Breakers and key cool-downs; admits everything unless given. */
  gate?: AttemptGate;
  /** For plans that come without a policy. */
  defaultPolicy?: ExecutionPolicy;
  /** Uniform in [0, 1), for back-off jitter; Math.random unless a test injects another. */
  random?: () => number;
  /** Epoch ms, against which plan deadlines are read. */
  now?: () => number;
  /** Waits out a back-off; resolves early when `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** How one kind of call is attempted. */
interface AttemptCall<T> {
  call(deployment: Deployment, context: CallContext): Promise<T>;
  /** Releases an answer nobody will read (a stream that lost a hedge race). */
  discard?(result: T): void;
  /** A failure inside an answer (a content-policy refusal), when the plan has somewhere to go for it. */
  refusal?(result: T, deployment: Deployment, run: Run): GatewayError | undefined;
  /** Streams are told to the gate when they end, not when they start. */
  settlesAtAnswer: boolean;
}

interface Run {
  readonly plan: ExecutionPlan;
  readonly policy: ExecutionPolicy;
  readonly context: CallContext;
  readonly report: ExecutionReport;
  /** Kind fallbacks (context length, content policy) already taken: each at most once. */
  readonly usedFallbacks: Set<FailureKind>;
}

type Answered<T> = { ok: true; result: T; record: AttemptRecord; control: AttemptControl; started: number };
type Failed = { ok: false; error: GatewayError; kind: FailureKind; record: AttemptRecord };
type Attempted<T> = Answered<T> | Failed;

/**
 * Runs a route plan where the request is — in the gateway's process, or in
 * the adapter service behind one gRPC call: each deployment in order, retried
 * with back-off on the kinds of failure the policy names, the next one tried
 * after the kinds it falls back on, a context-length or content-policy
 * failure sent to the route's fallback for it, hedged when the policy says
 * so, and nothing started past the deadline. A stream is committed to the
 * deployment whose first part came; a failure after that ends it.
 */
export class LocalPlanExecutor implements PlanExecutor {
  private readonly gate: AttemptGate;
  private readonly defaultPolicy: ExecutionPolicy;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;

  constructor(
    private readonly adapters: ProviderAdapterService,
    options: LocalPlanExecutorOptions = {},
  ) {
    this.gate = options.gate ?? OPEN_GATE;
    this.defaultPolicy = options.defaultPolicy ?? DEFAULT_EXECUTION_POLICY;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleepUnlessAborted;
  }

  async complete(plan: ExecutionPlan, request: ChatRequest, context: CallContext): Promise<{ response: ChatResponse; report: ExecutionReport }> {
    const { answer, report } = await this.run(plan, context, {
      call: (deployment, attemptContext) => this.adapters.complete(deployment, request, attemptContext),
      refusal: (response, deployment, run) =>
        run.plan.fallbacks?.content_policy && !run.usedFallbacks.has('content_policy') && isRefusal(response)
          ? contentRefused(deployment)
          : undefined,
      settlesAtAnswer: true,
    });
    return { response: answer.result, report };
  }

  async embed(
    plan: ExecutionPlan,
    request: EmbeddingRequest,
    context: CallContext,
  ): Promise<{ response: EmbeddingResponse; report: ExecutionReport }> {
    const { answer, report } = await this.run(plan, context, {
      call: (deployment, attemptContext) => this.adapters.embed(deployment, request, attemptContext),
      settlesAtAnswer: true,
    });
    return { response: answer.result, report };
  }

  async transcribe(
    plan: ExecutionPlan,
    request: TranscriptionRequest,
    context: CallContext,
  ): Promise<{ response: TranscriptionResponse; report: ExecutionReport }> {
    const adapters = this.adapters;
    if (!adapters.transcribe) throw internalError('The provider adapters do not offer audio transcriptions.');
    const { answer, report } = await this.run(plan, context, {
      call: (deployment, attemptContext) => adapters.transcribe!(deployment, request, attemptContext),
      settlesAtAnswer: true,
    });
    return { response: answer.result, report };
  }

  async respond(
    plan: ExecutionPlan,
    body: Record<string, unknown>,
    context: CallContext,
  ): Promise<{ response: Record<string, unknown>; report: ExecutionReport }> {
    const { answer, report } = await this.run(plan, context, {
      call: (deployment, attemptContext) => this.nativeAdapters().respond(deployment, body, attemptContext),
      settlesAtAnswer: true,
    });
    return { response: answer.result, report };
  }

  async stream(
    plan: ExecutionPlan,
    request: ChatRequest,
    context: CallContext,
  ): Promise<{ parts: AsyncIterable<StreamPart>; report: ExecutionReport; final: Promise<ExecutionReport> }> {
    const { stream, report, final } = await this.committed(plan, context, (deployment, attemptContext) =>
      this.adapters.stream(deployment, request, attemptContext),
    );
    return { parts: stream, report, final };
  }

  async streamRespond(
    plan: ExecutionPlan,
    body: Record<string, unknown>,
    context: CallContext,
  ): Promise<{ events: AsyncIterable<NativeStreamEvent>; report: ExecutionReport; final: Promise<ExecutionReport> }> {
    const { stream, report, final } = await this.committed(plan, context, (deployment, attemptContext) =>
      this.nativeAdapters().streamRespond(deployment, body, attemptContext),
    );
    return { events: stream, report, final };
  }

  /** The adapters, when they pass Responses API bodies through (the gateway asks only then). */
  private nativeAdapters(): Required<Pick<ProviderAdapterService, 'respond' | 'streamRespond'>> {
    const adapters = this.adapters;
    if (!adapters.respond || !adapters.streamRespond) throw internalError('The provider adapters do not pass Responses API requests through.');
    return {
      respond: (deployment, body, context) => adapters.respond!(deployment, body, context),
      streamRespond: (deployment, body, context) => adapters.streamRespond!(deployment, body, context),
    };
  }

  /** A stream of any kind of item, committed to the deployment whose first item came. */
  private async committed<T>(
    plan: ExecutionPlan,
    context: CallContext,
    open: (deployment: Deployment, attemptContext: CallContext) => Promise<AsyncIterable<T>>,
  ): Promise<{ stream: CommittedStream<T>; report: ExecutionReport; final: Promise<ExecutionReport> }> {
    const { answer, report } = await this.run<OpenedStream<T>>(plan, context, {
      // Retry and fallback hold until the first part: only then is the stream committed to a deployment.
      call: async (deployment, attemptContext) => {
        const iterator = (await open(deployment, attemptContext))[Symbol.asyncIterator]();
        try {
          return { iterator, first: await iterator.next() };
        } catch (error) {
          void iterator.return?.()?.catch(() => {});
          throw error;
        }
      },
      discard: (opened) => void opened.iterator.return?.()?.catch(() => {}),
      settlesAtAnswer: false,
    });
    const started = { attempts: report.attempts.map((attempt) => ({ ...attempt })), served: report.served };
    let settle!: (final: ExecutionReport) => void;
    const final = new Promise<ExecutionReport>((resolve) => (settle = resolve));
    const stream = new CommittedStream<T>(answer.result, answer.control, context.signal, (error) => {
      const { record } = answer;
      // The error the reader gets carries every attempt (the adapter service sends it in the trailer).
      if (error) withExecutionReport(error, report);
      record.durationMs = performance.now() - answer.started;
      if (error) {
        const kind = failureKind(error);
        record.outcome = kind === 'cancelled' ? 'cancelled' : 'failed';
        record.failure = kind;
        record.status = error.status;
      }
      this.gate.record(record.deployment, { ok: !error, failure: record.failure, durationMs: record.durationMs });
      settle(report);
    });
    return { stream, report: started, final };
  }

  private async run<T>(
    plan: ExecutionPlan,
    context: CallContext,
    attempt: AttemptCall<T>,
  ): Promise<{ answer: Answered<T>; report: ExecutionReport }> {
    const run: Run = { plan, policy: plan.policy ?? this.defaultPolicy, context, report: { attempts: [] }, usedFallbacks: new Set() };
    const { policy, report } = run;
    const queue: RouteAttempt[] = plan.attempts.slice();
    let last: Failed | undefined;
    try {
      for (let index = 0; index < queue.length; index++) {
        const target = queue[index];
        let failure: Failed | undefined;
        for (let retry = 0; ; retry++) {
          this.checkDeadline(run);
          const refused = this.gate.admit(target.deployment) ? undefined : (this.gate.skipReason?.(target.deployment) ?? 'breaker_open');
          // Keys cooling down after a 429 are a guess from earlier answers, not the provider's word on this request:
          // the deployment is still tried when nothing else is left, and on a retry (which waited out its Retry-After).
          if (refused !== undefined && !(refused === 'rate_limit' && (retry > 0 || index + 1 === queue.length))) {
            const error = deploymentUnavailable(target.deployment, refused);
            const record: AttemptRecord = { ...attemptOf(target), retry, outcome: 'skipped', failure: refused, status: error.status, durationMs: 0 };
            report.attempts.push(record);
            failure = { ok: false, error, kind: refused, record };
            break;
          }
          const hedgeTarget = retry === 0 && policy.hedging && index + 1 < queue.length ? queue[index + 1] : undefined;
          const outcome = hedgeTarget ? await this.hedged(run, target, hedgeTarget, attempt) : await this.attempt(run, target, retry, false, attempt);
          if (outcome.ok) {
            report.served = report.attempts.indexOf(outcome.record);
            return { answer: outcome, report };
          }
          failure = outcome;
          if (outcome.kind === 'cancelled' || context.signal.aborted) throw outcome.error;
          if ('hedgeStarted' in outcome && outcome.hedgeStarted) {
            // The next deployment was tried as the hedge: the plan goes on after it.
            index++;
            break;
          }
          if (retry >= policy.retries || !policy.retryOn.includes(outcome.kind)) break;
          const wait = backOffDelay(policy, retry, this.random, retryAfterMs(outcome.error.retryAfter, this.now()));
          if (wait === undefined || (plan.deadline !== undefined && this.now() + wait >= plan.deadline)) break;
          await this.sleep(wait, context.signal);
        }
        last = failure;
        const kindFallback = failure.kind === 'context_length' || failure.kind === 'content_policy' ? plan.fallbacks?.[failure.kind] : undefined;
        if (kindFallback && kindFallback.length > 0 && !run.usedFallbacks.has(failure.kind)) {
          run.usedFallbacks.add(failure.kind);
          queue.splice(index + 1, 0, ...kindFallback);
          continue;
        }
        if (!policy.fallbackOn.includes(failure.kind)) throw failure.error;
      }
      throw last?.error ?? internalError(`The route plan for ${plan.requestedModel} has no deployments.`);
    } catch (error) {
      throw withExecutionReport(isGatewayError(error) ? error : internalError('The plan executor failed unexpectedly.', error), report);
    }
  }

  /** Throws once the request is cancelled or past its deadline: no new attempt starts then. */
  private checkDeadline(run: Run): void {
    if (run.context.signal.aborted) throw isGatewayError(run.context.signal.reason) ? run.context.signal.reason : requestCancelled();
    if (run.plan.deadline !== undefined && this.now() >= run.plan.deadline) throw deadlineExceeded();
  }

  private control(run: Run, deployment: Deployment): AttemptControl {
    const { deadline } = run.plan;
    const timeoutMs = run.policy.attemptTimeoutMs;
    return new AttemptControl(run.context, {
      deadlineInMs: deadline === undefined ? undefined : deadline - this.now(),
      deadlineError: deadlineExceeded,
      attemptTimeoutMs: timeoutMs,
      timeoutError: timeoutMs === undefined ? undefined : () => attemptTimedOut(deployment, timeoutMs),
    });
  }

  private async attempt<T>(
    run: Run,
    target: RouteAttempt,
    retry: number,
    hedge: boolean,
    attempt: AttemptCall<T>,
    control = this.control(run, target.deployment),
  ): Promise<Attempted<T>> {
    const record: AttemptRecord = { ...attemptOf(target), retry, outcome: 'failed', durationMs: 0 };
    if (hedge) record.hedge = true;
    run.report.attempts.push(record);
    const started = performance.now();
    try {
      const result = await attempt.call(target.deployment, control.context);
      control.answered();
      if (control.wasCut) {
        // It answered just as it was cut: the cut stands.
        attempt.discard?.(result);
        throw control.errorFor(undefined);
      }
      const refusal = attempt.refusal?.(result, target.deployment, run);
      if (refusal) throw refusal;
      record.outcome = 'succeeded';
      record.durationMs = performance.now() - started;
      if (attempt.settlesAtAnswer) {
        control.release();
        this.gate.record(target.deployment, { ok: true, durationMs: record.durationMs });
      } else {
        record.timeToFirstTokenMs = record.durationMs;
      }
      return { ok: true, result, record, control, started };
    } catch (thrown) {
      control.release();
      const error = control.errorFor(thrown);
      const kind = failureKind(error);
      // A hedge loser is marked cancelled as soon as the winner is known.
      if (record.outcome !== 'cancelled') {
        record.outcome = kind === 'cancelled' ? 'cancelled' : 'failed';
        record.failure = kind;
        record.status = error.status;
        record.durationMs = performance.now() - started;
      }
      this.gate.record(target.deployment, {
        ok: false,
        failure: kind,
        durationMs: record.durationMs,
        retryAfterMs: retryAfterMs(error.retryAfter, this.now()),
      });
      return { ok: false, error, kind, record };
    }
  }

  /**
   * Sends `first`, and `second` too when `first` has not answered within the
   * hedging threshold; the first answer wins and the other is cancelled (and
   * reported so). When `first` fails before the threshold, that is an
   * ordinary failure and no hedge is sent.
   */
  private hedged<T>(run: Run, first: RouteAttempt, second: RouteAttempt, attempt: AttemptCall<T>): Promise<Attempted<T> & { hedgeStarted: boolean }> {
    const afterMs = run.policy.hedging!.afterMs;
    return new Promise((resolve) => {
      const running: { control: AttemptControl; record?: AttemptRecord }[] = [];
      let pending = 0;
      let settled = false;
      let hedgeStarted = false;
      const timer = setTimeout(() => {
        if (settled || run.context.signal.aborted || !this.gate.admit(second.deployment)) return;
        hedgeStarted = true;
        launch(second, true);
      }, afterMs);
      const launch = (target: RouteAttempt, hedge: boolean): void => {
        const entry: { control: AttemptControl; record?: AttemptRecord } = { control: this.control(run, target.deployment) };
        running.push(entry);
        pending++;
        const outcome = this.attempt(run, target, 0, hedge, attempt, entry.control);
        entry.record = run.report.attempts[run.report.attempts.length - 1];
        void outcome.then((result) => {
          pending--;
          if (settled) {
            if (result.ok) {
              attempt.discard?.(result.result);
              result.control.release();
              result.record.outcome = 'cancelled';
            }
            return;
          }
          if (result.ok) {
            settled = true;
            clearTimeout(timer);
            for (const other of running) {
              if (other === entry) continue;
              if (other.record && other.record.outcome === 'failed' && other.record.failure === undefined) {
                other.record.outcome = 'cancelled';
                other.record.failure = 'cancelled';
              }
              other.control.cut(hedgeLost());
            }
            resolve({ ...result, hedgeStarted });
          } else if (!hedgeStarted || pending === 0) {
            settled = true;
            clearTimeout(timer);
            resolve({ ...result, hedgeStarted });
          }
        });
      };
      launch(first, false);
    });
  }
}

function attemptOf(target: RouteAttempt): Pick<AttemptRecord, 'deployment' | 'routePath'> {
  return { deployment: target.deployment, routePath: target.routePath };
}

/** Every choice stopped by the provider's content filter. */
function isRefusal(response: ChatResponse): boolean {
  return response.choices.length > 0 && response.choices.every((choice) => choice.finishReason === 'content_filter');
}

async function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
