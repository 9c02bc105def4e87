import type { AlertDelivery } from '@switchyard/shared';

export interface DeliveryPolicy {
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Each try's bound. */
  timeoutMs: number;
}

/** What a delivery waits with; injectable so tests run without real time. */
export interface DeliveryClock {
  /** In [0, 1): the jitter. */
  random(): number;
  /** Resolves after `ms`, or rejects when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const realDeliveryClock: DeliveryClock = {
  random: Math.random,
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason as Error);
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', abort);
        resolve();
      }, ms);
      const abort = () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', abort, { once: true });
    }),
};

/** How one try went; `reason` never holds the URL (it is a secret). */
export interface DeliveryAttempt {
  attempt: number;
  ok: boolean;
  reason: string;
  /** Whether another try may help. */
  retryable: boolean;
}

/**
 * POSTs `body` as JSON to `url` until it is accepted (2xx), a try fails
 * for good (a 4xx other than 408 and 429), or `maxAttempts` tries are
 * spent; between tries it waits a full-jitter exponential back-off, at
 * least a 429's or 503's `Retry-After` (capped at `maxBackoffMs`).
 */
export async function deliverJson(
  url: string,
  body: object,
  policy: DeliveryPolicy,
  clock: DeliveryClock,
  signal: AbortSignal,
  onAttempt: (attempt: DeliveryAttempt) => void = () => {},
): Promise<AlertDelivery> {
  const payload = JSON.stringify(body);
  for (let attempt = 1; ; attempt++) {
    let retryAfterMs = 0;
    let outcome: DeliveryAttempt;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: payload,
        signal: AbortSignal.any([signal, AbortSignal.timeout(policy.timeoutMs)]),
      });
      await response.body?.cancel();
      const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
      outcome = { attempt, ok: response.ok, reason: `status ${response.status}`, retryable: !response.ok && retryable };
      if (response.status === 429 || response.status === 503) retryAfterMs = retryAfter(response.headers.get('retry-after'));
    } catch (error) {
      if (signal.aborted) return { status: 'failed', attempts: attempt };
      outcome = { attempt, ok: false, reason: failureReason(error), retryable: true };
    }
    onAttempt(outcome);
    if (outcome.ok) return { status: 'sent', attempts: attempt };
    if (!outcome.retryable || attempt >= policy.maxAttempts) return { status: 'failed', attempts: attempt };
    const ceiling = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (attempt - 1));
    const delay = Math.min(policy.maxBackoffMs, Math.max(retryAfterMs, clock.random() * ceiling));
    try {
      await clock.sleep(delay, signal);
    } catch {
      return { status: 'failed', attempts: attempt };
    }
  }
}

function retryAfter(header: string | null): number {
  if (header === null) return 0;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? 0 : Math.max(0, date - Date.now());
}

/** The error's code (`ECONNREFUSED`, `TimeoutError`), never its message: undici's may carry the address. */
function failureReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } })?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return error.name;
  return 'request_failed';
}
