import { startWebhookReceiver, type WebhookReceiver } from './__fixtures__/webhook-receiver';
import { deliverJson, type DeliveryAttempt, type DeliveryClock } from './webhook-delivery';

const POLICY = { maxAttempts: 4, initialBackoffMs: 1_000, maxBackoffMs: 3_000, timeoutMs: 5_000 };

/** Records each wait instead of waiting: the back-off is asserted, not slept through. */
function recordingClock(random = 0.5): DeliveryClock & { waits: number[] } {
  const waits: number[] = [];
  return { waits, random: () => random, sleep: async (ms) => void waits.push(ms) };
}

describe('deliverJson', () => {
  let receiver: WebhookReceiver;
  const signal = new AbortController().signal;

  beforeEach(async () => {
    receiver = await startWebhookReceiver();
  });

  afterEach(async () => {
    await receiver.close();
  });

  it('POSTs the body as JSON and stops at the first 2xx', async () => {
    const clock = recordingClock();
    const outcome = await deliverJson(`${receiver.url}/hook`, { text: 'hello' }, POLICY, clock, signal);
    expect(outcome).toEqual({ status: 'sent', attempts: 1 });
    expect(receiver.received).toEqual([{ path: '/hook', contentType: 'application/json', body: { text: 'hello' } }]);
    expect(clock.waits).toEqual([]);
  });

  it('retries 5xx and 429 with full-jitter exponential back-off, at least Retry-After', async () => {
    receiver.answerNext({ status: 503 }, { status: 500 }, { status: 429, headers: { 'retry-after': '2' } });
    const clock = recordingClock(0.5);
    const attempts: DeliveryAttempt[] = [];
    const outcome = await deliverJson(`${receiver.url}/hook`, { n: 1 }, POLICY, clock, signal, (attempt) => attempts.push(attempt));
    expect(outcome).toEqual({ status: 'sent', attempts: 4 });
    expect(receiver.received).toHaveLength(4);
    // Half of 1 s, of 2 s, then Retry-After's 2 s over half of the 3 s ceiling.
    expect(clock.waits).toEqual([500, 1_000, 2_000]);
    expect(attempts.map((attempt) => attempt.reason)).toEqual(['status 503', 'status 500', 'status 429', 'status 200']);
  });

  it('gives up after maxAttempts, and at once on a 4xx that retrying cannot fix', async () => {
    receiver.answerNext({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
    expect(await deliverJson(`${receiver.url}/a`, {}, POLICY, recordingClock(), signal)).toEqual({ status: 'failed', attempts: 4 });
    receiver.answerNext({ status: 404 });
    const clock = recordingClock();
    expect(await deliverJson(`${receiver.url}/b`, {}, POLICY, clock, signal)).toEqual({ status: 'failed', attempts: 1 });
    expect(clock.waits).toEqual([]);
  });

  it('names a connection failure by its code, never by the URL', async () => {
    const url = `${receiver.url}/services/T000/B000/secret-token`;
    await receiver.close();
    const attempts: DeliveryAttempt[] = [];
    const outcome = await deliverJson(url, {}, { ...POLICY, maxAttempts: 2 }, recordingClock(), signal, (attempt) => attempts.push(attempt));
    expect(outcome).toEqual({ status: 'failed', attempts: 2 });
    expect(attempts.map((attempt) => attempt.reason)).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
    expect(JSON.stringify(attempts)).not.toContain('secret-token');
    receiver = await startWebhookReceiver();
  });

  it('stops waiting when its signal aborts', async () => {
    receiver.answerNext({ status: 500 });
    const controller = new AbortController();
    const clock: DeliveryClock = {
      random: () => 0.5,
      sleep: (_ms, sleepSignal) => {
        controller.abort(new Error('stopping'));
        return Promise.reject(sleepSignal.reason as Error);
      },
    };
    expect(await deliverJson(`${receiver.url}/hook`, {}, POLICY, clock, controller.signal)).toEqual({ status: 'failed', attempts: 1 });
    expect(receiver.received).toHaveLength(1);
  });
});
