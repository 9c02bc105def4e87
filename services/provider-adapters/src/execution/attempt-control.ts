import { internalError, isGatewayError, type CallContext, type GatewayError } from '@switchyard/shared';

/**
 * The signal of one attempt: follows the request's, and is cut by the
 * executor (attempt timeout, deadline, a lost hedge) with the error to report
 * in place of the cancellation the adapter then throws. Its timers are
 * released when the attempt ends or the request's signal aborts, so nothing
 * outlives the request.
 */
export class AttemptControl {
  readonly context: CallContext;
  private readonly controller = new AbortController();
  private cutWith?: GatewayError;
  private attemptTimer?: NodeJS.Timeout;
  private deadlineTimer?: NodeJS.Timeout;
  private readonly follow = (): void => {
    this.clearTimers();
    this.controller.abort(this.parent.signal.reason);
  };

  constructor(
    private readonly parent: CallContext,
    timers: { deadlineInMs?: number; deadlineError?: () => GatewayError; attemptTimeoutMs?: number; timeoutError?: () => GatewayError },
  ) {
    this.context = { requestId: parent.requestId, signal: this.controller.signal };
    if (parent.signal.aborted) {
      this.controller.abort(parent.signal.reason);
      return;
    }
    parent.signal.addEventListener('abort', this.follow, { once: true });
    if (timers.deadlineInMs !== undefined && timers.deadlineError) {
      const error = timers.deadlineError;
      this.deadlineTimer = setTimeout(() => this.cut(error()), Math.max(0, timers.deadlineInMs));
    }
    if (timers.attemptTimeoutMs !== undefined && timers.timeoutError) {
      const error = timers.timeoutError;
      this.attemptTimer = setTimeout(() => this.cut(error()), timers.attemptTimeoutMs);
    }
  }

  /** The attempt answered (a stream: its first part came): the attempt timeout no longer applies. */
  answered(): void {
    clearTimeout(this.attemptTimer);
    this.attemptTimer = undefined;
  }

  /** Cancels the attempt; `error` is what it is reported with. The first cut wins. */
  cut(error: GatewayError): void {
    if (this.controller.signal.aborted) return;
    this.cutWith = error;
    this.clearTimers();
    this.controller.abort(error);
  }

  /** Whether the executor cut this attempt (rather than the request's own signal). */
  get wasCut(): boolean {
    return this.cutWith !== undefined;
  }

  /** The error to report for what the adapter threw: the executor's reason when it cut the attempt. */
  errorFor(thrown: unknown): GatewayError {
    if (this.cutWith) return this.cutWith;
    return isGatewayError(thrown) ? thrown : internalError('The provider adapter failed unexpectedly.', thrown);
  }

  /** The attempt is over. Idempotent. */
  release(): void {
    this.clearTimers();
    this.parent.signal.removeEventListener('abort', this.follow);
  }

  private clearTimers(): void {
    clearTimeout(this.attemptTimer);
    clearTimeout(this.deadlineTimer);
    this.attemptTimer = undefined;
    this.deadlineTimer = undefined;
  }
}
