import { isGatewayError, requestCancelled, type GatewayError, type StreamPart } from '@switchyard/shared';
import type { AttemptControl } from './attempt-control';

/** A stream whose first part has come: the plan is committed to it. */
export interface OpenedStream<T = StreamPart> {
  iterator: AsyncIterator<T>;
  first: IteratorResult<T>;
}

/**
 * The parts of the committed stream, first part included. It ends once —
 * drained, failed, returned early by its reader, or its request cancelled
 * before anyone read it — and `ended` is told how (an error, or nothing when
 * it ran to its end), so the attempt is settled and its timers released
 * even when nobody reads it.
 */
export class CommittedStream<T = StreamPart> implements AsyncIterable<T>, AsyncIterator<T> {
  private pending: IteratorResult<T> | undefined;
  private finished = false;
  private readonly cancelled = (): void => {
    this.finish(isGatewayError(this.signal.reason) ? this.signal.reason : requestCancelled());
    void this.opened.iterator.return?.()?.catch(() => {});
  };

  constructor(
    private readonly opened: OpenedStream<T>,
    private readonly control: AttemptControl,
    private readonly signal: AbortSignal,
    private readonly ended: (error?: GatewayError) => void,
  ) {
    this.pending = opened.first;
    if (opened.first.done) this.finish();
    else if (signal.aborted) this.cancelled();
    else signal.addEventListener('abort', this.cancelled, { once: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this;
  }

  async next(): Promise<IteratorResult<T>> {
    const pending = this.pending;
    if (pending !== undefined) {
      this.pending = undefined;
      return pending;
    }
    if (this.finished) return { done: true, value: undefined };
    let result: IteratorResult<T>;
    try {
      result = await this.opened.iterator.next();
    } catch (thrown) {
      const error = this.control.errorFor(thrown);
      this.finish(error);
      throw error;
    }
    if (result.done) this.finish();
    return result;
  }

  /** The reader stopped early (the client went away): the upstream stream is released. */
  async return(): Promise<IteratorResult<T>> {
    this.pending = undefined;
    if (!this.finished) {
      this.finish(requestCancelled());
      await this.opened.iterator.return?.()?.catch(() => {});
    }
    return { done: true, value: undefined };
  }

  private finish(error?: GatewayError): void {
    if (this.finished) return;
    this.finished = true;
    this.signal.removeEventListener('abort', this.cancelled);
    this.control.release();
    this.ended(error);
  }
}
