import type { AttemptRecord, Deployment } from '@switchyard/shared';
import { StatisticsTracker } from './statistics-tracker';

const fast: Deployment = { id: 'openai/gpt-4o-mini', providerId: 'openai', model: 'gpt-4o-mini' };
const slow: Deployment = { id: 'anthropic/claude', providerId: 'anthropic', model: 'claude' };

function attempt(deployment: Deployment, values: Partial<AttemptRecord>): AttemptRecord {
  return { deployment, routePath: '', retry: 0, outcome: 'succeeded', durationMs: 100, ...values };
}

describe('StatisticsTracker', () => {
  it('knows nothing of a deployment before its first report', () => {
    expect(new StatisticsTracker().get(fast.id)).toBeUndefined();
  });

  it('keeps exponentially weighted means of duration and time to first token', () => {
    const tracker = new StatisticsTracker({ smoothing: 0.5 });
    tracker.record({ attempts: [attempt(fast, { durationMs: 100, timeToFirstTokenMs: 20 })], served: 0 });
    expect(tracker.get(fast.id)).toEqual({ latencyMs: 100, timeToFirstTokenMs: 20, inFlight: 0, samples: 1, breakerOpen: false });
    tracker.record({ attempts: [attempt(fast, { durationMs: 300, timeToFirstTokenMs: 40 })], served: 0 });
    expect(tracker.get(fast.id)).toMatchObject({ latencyMs: 200, timeToFirstTokenMs: 30, samples: 2 });
    tracker.record({ attempts: [attempt(fast, { durationMs: 200 })], served: 0 });
    expect(tracker.get(fast.id)).toMatchObject({ latencyMs: 200, timeToFirstTokenMs: 30, samples: 3 });
  });

  it('folds every attempt of a report into its own deployment', () => {
    const tracker = new StatisticsTracker();
    tracker.record({
      attempts: [attempt(slow, { outcome: 'failed', failure: 'timeout', durationMs: 30_000 }), attempt(fast, { durationMs: 80 })],
      served: 1,
    });
    expect(tracker.get(slow.id)).toMatchObject({ latencyMs: 30_000, samples: 1 });
    expect(tracker.get(fast.id)).toMatchObject({ latencyMs: 80, samples: 1 });
  });

  it('lets a failure raise a mean but never lower it', () => {
    const tracker = new StatisticsTracker({ smoothing: 0.5 });
    tracker.recordAttempt(attempt(slow, { durationMs: 1_000 }));
    tracker.recordAttempt(attempt(slow, { outcome: 'failed', failure: 'server_error', durationMs: 5 }));
    expect(tracker.get(slow.id)).toMatchObject({ latencyMs: 1_000, samples: 2 });
    tracker.recordAttempt(attempt(slow, { outcome: 'failed', failure: 'timeout', durationMs: 3_000 }));
    expect(tracker.get(slow.id)).toMatchObject({ latencyMs: 2_000, samples: 3 });
  });

  it('ignores what says nothing of the deployment: skipped, cancelled, client errors', () => {
    const tracker = new StatisticsTracker();
    tracker.recordAttempt(attempt(fast, { outcome: 'skipped', failure: 'breaker_open', durationMs: 0 }));
    tracker.recordAttempt(attempt(fast, { outcome: 'cancelled', durationMs: 5 }));
    tracker.recordAttempt(attempt(fast, { outcome: 'failed', failure: 'client_error', durationMs: 5 }));
    expect(tracker.get(fast.id)).toBeUndefined();
  });

  it('counts requests in flight, never below zero', () => {
    const tracker = new StatisticsTracker();
    tracker.started(fast.id);
    tracker.started(fast.id);
    expect(tracker.get(fast.id)?.inFlight).toBe(2);
    tracker.finished(fast.id);
    tracker.finished(fast.id);
    tracker.finished(fast.id);
    expect(tracker.get(fast.id)?.inFlight).toBe(0);
    tracker.finished(slow.id);
    expect(tracker.get(slow.id)).toBeUndefined();
  });

  it('holds the breaker state the breakers report', () => {
    const tracker = new StatisticsTracker();
    tracker.setBreakerOpen(fast.id, false);
    expect(tracker.get(fast.id)).toBeUndefined();
    tracker.setBreakerOpen(fast.id, true);
    expect(tracker.get(fast.id)?.breakerOpen).toBe(true);
    tracker.setBreakerOpen(fast.id, false);
    expect(tracker.get(fast.id)?.breakerOpen).toBe(false);
  });

  it('forgets the longest-tracked idle deployment past its bound, keeping busy ones', () => {
    const tracker = new StatisticsTracker({ maxDeployments: 2 });
    tracker.started('a/1');
    tracker.recordAttempt(attempt({ id: 'b/2', providerId: 'b', model: '2' }, {}));
    tracker.recordAttempt(attempt({ id: 'c/3', providerId: 'c', model: '3' }, {}));
    expect(tracker.get('a/1')?.inFlight).toBe(1);
    expect(tracker.get('b/2')).toBeUndefined();
    expect(tracker.get('c/3')?.samples).toBe(1);
  });

  it('refuses a smoothing outside (0, 1]', () => {
    expect(() => new StatisticsTracker({ smoothing: 0 })).toThrow('smoothing must be in (0, 1], got 0');
  });
});
