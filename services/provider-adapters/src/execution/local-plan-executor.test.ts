import {
  executionPolicy,
  executionReportOf,
  failureKind,
  GatewayError,
  providerHttpError,
  providerTimeout,
  providerUnreachable,
  requestCancelled,
  resilienceConfigSchema,
  type AttemptGate,
  type CallContext,
  type ChatRequest,
  type ChatResponse,
  type Deployment,
  type ExecutionPlan,
  type ExecutionPolicy,
  type ProviderAdapterService,
  type StreamPart,
} from '@switchyard/shared';
import { backOffDelay } from './back-off';
import { LocalPlanExecutor } from './local-plan-executor';

const deployment = (providerId: string): Deployment => ({ id: `${providerId}/m`, providerId, model: 'm' });
const plan = (...providers: string[]): ExecutionPlan => ({
  requestedModel: 'alias',
  attempts: providers.map((providerId, index) => ({ deployment: deployment(providerId), routePath: `targets[${index}]` })),
});
const request: ChatRequest = {
  model: 'alias',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
  sampling: {},
  stream: false,
  includeUsage: false,
};
const answer = (providerId: string, finishReason: 'stop' | 'content_filter' = 'stop'): ChatResponse => ({
  id: providerId,
  model: 'm',
  created: 0,
  choices: [{ index: 0, message: { content: providerId }, finishReason }],
});
const policy = (overrides: Partial<ExecutionPolicy> = {}): ExecutionPolicy => ({
  ...executionPolicy(resilienceConfigSchema.parse({})),
  ...overrides,
});

type Behaviour = Error | 'ok' | 'refuse' | 'hang' | { parts: StreamPart[]; thenFail?: Error };

/**
 * Adapters that answer each call of a provider with the next of its
 * behaviours (the last one repeats), recording every call in order.
 */
function scripted(behaviours: Record<string, Behaviour[]>) {
  const calls: string[] = [];
  const signals: AbortSignal[] = [];
  const next = (target: Deployment): Behaviour => {
    const queue = behaviours[target.providerId];
    return queue.length > 1 ? queue.shift()! : queue[0];
  };
  const begin = async (target: Deployment, context: CallContext): Promise<Behaviour> => {
    calls.push(target.providerId);
    signals.push(context.signal);
    const behaviour = next(target);
    if (behaviour === 'hang') {
      await new Promise<never>((_, reject) => {
        const abort = () => reject(requestCancelled());
        if (context.signal.aborted) abort();
        context.signal.addEventListener('abort', abort, { once: true });
      });
    }
    if (behaviour instanceof Error) throw behaviour;
    return behaviour;
  };
  const adapters: ProviderAdapterService = {
    complete: async (target, _request, context) => {
      const behaviour = await begin(target, context);
      return answer(target.providerId, behaviour === 'refuse' ? 'content_filter' : 'stop');
    },
    stream: async (target, _request, context) => {
      const behaviour = await begin(target, context);
      const script = typeof behaviour === 'object' && 'parts' in behaviour ? behaviour : { parts: [start(target.providerId)] };
      return (async function* () {
        for (const part of script.parts) yield part;
        if (script.thenFail) throw script.thenFail;
      })();
    },
    embed: async (target, _request, context) => {
      await begin(target, context);
      return { model: target.model, data: [], usage: { inputTokens: 0, outputTokens: 0 } };
    },
  };
  return { adapters, calls, signals };
}

const start = (id: string): StreamPart => ({ type: 'response-start', id, model: 'm', created: 0 });
const text = (value: string): StreamPart => ({ type: 'text-delta', choice: 0, text: value });

function context(): CallContext & { controller: AbortController } {
  const controller = new AbortController();
  return { requestId: 'r', signal: controller.signal, controller };
}

/** Sleeps that return at once and remember how long they were asked to wait. */
function recordedSleeps() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

const rateLimited = (retryAfter?: string) => providerHttpError('p', 429, 'slow down', retryAfter);
const serverError = () => providerHttpError('p', 503, 'unavailable');

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    return error as GatewayError;
  }
  throw new Error('expected a rejection');
}

describe('failureKind', () => {
  it('reads the kind from status, class and code', () => {
    expect(failureKind(rateLimited('1'))).toBe('rate_limit');
    expect(failureKind(serverError())).toBe('server_error');
    expect(failureKind(providerHttpError('p', 529, 'overloaded'))).toBe('server_error');
    expect(failureKind(providerTimeout('p', 10))).toBe('timeout');
    expect(failureKind(providerUnreachable('p', new Error('ECONNREFUSED')))).toBe('connection');
    expect(failureKind(providerHttpError('p', 400, 'too long', undefined, { code: 'context_length_exceeded' }))).toBe('context_length');
    expect(failureKind(providerHttpError('p', 400, 'refused', undefined, { code: 'content_policy_violation' }))).toBe('content_policy');
    expect(
      failureKind(new GatewayError('no tools', { status: 400, errorClass: 'invalid_request', code: 'tools_not_supported', retryable: true })),
    ).toBe('capability');
    for (const status of [400, 401, 403, 404, 422]) expect(failureKind(providerHttpError('p', status, 'no'))).toBe('client_error');
    expect(failureKind(requestCancelled())).toBe('cancelled');
    expect(failureKind(new TypeError('boom'))).toBe('internal');
  });
});

describe('backOffDelay', () => {
  const backoff = policy({ backoff: { initialMs: 100, maxMs: 1_000, multiplier: 2 }, maxRetryAfterMs: 5_000 });

  it('draws uniformly below an exponentially growing, capped ceiling', () => {
    expect(backOffDelay(backoff, 0, () => 0.5)).toBe(50);
    expect(backOffDelay(backoff, 2, () => 0.5)).toBe(200);
    expect(backOffDelay(backoff, 10, () => 0.999)).toBe(999);
    expect(backOffDelay(backoff, 3, () => 0)).toBe(0);
  });

  it('waits at least the Retry-After, and not at all for one past the policy', () => {
    expect(backOffDelay(backoff, 0, () => 0.5, 2_000)).toBe(2_000);
    expect(backOffDelay(backoff, 0, () => 0.5, 6_000)).toBeUndefined();
  });
});

describe('LocalPlanExecutor', () => {
  it('falls back past server-side failures in plan order and reports every attempt', async () => {
    const { adapters, calls } = scripted({ a: [serverError()], b: [providerUnreachable('b', new Error('down'))], c: ['ok'] });
    const { response, report } = await new LocalPlanExecutor(adapters).complete(plan('a', 'b', 'c'), request, context());
    expect(response.id).toBe('c');
    expect(calls).toEqual(['a', 'b', 'c']);
    expect(report.attempts.map(({ deployment: { providerId }, outcome, failure, status }) => [providerId, outcome, failure, status])).toEqual([
      ['a', 'failed', 'server_error', 502],
      ['b', 'failed', 'connection', 502],
      ['c', 'succeeded', undefined, undefined],
    ]);
    expect(report.served).toBe(2);
  });

  it('never falls back on a client error unless the policy says so', async () => {
    const refused = scripted({ a: [providerHttpError('a', 401, 'bad key')], b: ['ok'] });
    const error = await rejection(new LocalPlanExecutor(refused.adapters).complete(plan('a', 'b'), request, context()));
    expect(error).toMatchObject({ code: 'upstream_401' });
    expect(refused.calls).toEqual(['a']);
    expect(executionReportOf(error)?.attempts).toHaveLength(1);

    const allowed = scripted({ a: [providerHttpError('a', 404, 'no model')], b: ['ok'] });
    const withClientErrors = { ...plan('a', 'b'), policy: policy({ fallbackOn: ['client_error'] }) };
    expect((await new LocalPlanExecutor(allowed.adapters).complete(withClientErrors, request, context())).response.id).toBe('b');
  });

  it('retries with jittered back-off, honouring Retry-After, then moves on', async () => {
    const { adapters, calls } = scripted({ a: [rateLimited('2'), serverError(), serverError()], b: ['ok'] });
    const { waits, sleep } = recordedSleeps();
    const executor = new LocalPlanExecutor(adapters, { random: () => 0.5, sleep });
    const retrying = { ...plan('a', 'b'), policy: policy({ retries: 2, backoff: { initialMs: 100, maxMs: 1_000, multiplier: 2 } }) };
    const { report } = await executor.complete(retrying, request, context());
    expect(calls).toEqual(['a', 'a', 'a', 'b']);
    expect(waits).toEqual([2_000, 100]);
    expect(report.attempts.map((attempt) => attempt.retry)).toEqual([0, 1, 2, 0]);
  });

  it('does not wait out a Retry-After longer than the policy allows, nor one past the deadline', async () => {
    const long = scripted({ a: [rateLimited('60')], b: ['ok'] });
    const { waits, sleep } = recordedSleeps();
    await new LocalPlanExecutor(long.adapters, { sleep }).complete({ ...plan('a', 'b'), policy: policy({ retries: 3 }) }, request, context());
    expect(long.calls).toEqual(['a', 'b']);
    expect(waits).toEqual([]);

    const near = scripted({ a: [rateLimited('2')], b: ['ok'] });
    const now = 1_000_000;
    const executor = new LocalPlanExecutor(near.adapters, { sleep, now: () => now });
    await executor.complete({ ...plan('a', 'b'), deadline: now + 1_500, policy: policy({ retries: 3 }) }, request, context());
    expect(near.calls).toEqual(['a', 'b']);
  });

  it('starts nothing past the deadline', async () => {
    const { adapters, calls } = scripted({ a: ['ok'] });
    const error = await rejection(new LocalPlanExecutor(adapters).complete({ ...plan('a'), deadline: Date.now() - 1 }, request, context()));
    expect(error).toMatchObject({ status: 504, code: 'deadline_exceeded' });
    expect(calls).toEqual([]);
  });

  it('cancels an attempt that outlives the attempt timeout and tries the next deployment', async () => {
    const { adapters, calls, signals } = scripted({ a: ['hang'], b: ['ok'] });
    const { response, report } = await new LocalPlanExecutor(adapters).complete(
      { ...plan('a', 'b'), policy: policy({ attemptTimeoutMs: 20 }) },
      request,
      context(),
    );
    expect(response.id).toBe('b');
    expect(calls).toEqual(['a', 'b']);
    expect(signals[0].aborted).toBe(true);
    expect(report.attempts[0]).toMatchObject({ outcome: 'failed', failure: 'timeout', status: 504 });
  });

  it('cancels the running attempt at the deadline', async () => {
    const { adapters, signals } = scripted({ a: ['hang'], b: ['ok'] });
    const error = await rejection(new LocalPlanExecutor(adapters).complete({ ...plan('a', 'b'), deadline: Date.now() + 30 }, request, context()));
    expect(error).toMatchObject({ code: 'deadline_exceeded' });
    expect(signals[0].aborted).toBe(true);
  });

  it('sends a context-length failure to the route fallback once, whatever fallbackOn says', async () => {
    const tooLong = providerHttpError('small', 400, 'too long', undefined, { code: 'context_length_exceeded' });
    const { adapters, calls } = scripted({ small: [tooLong], other: ['ok'], large: ['ok'] });
    const withFallback: ExecutionPlan = {
      ...plan('small', 'other'),
      fallbacks: { context_length: [{ deployment: deployment('large'), routePath: 'contextLengthFallback' }] },
    };
    const { response, report } = await new LocalPlanExecutor(adapters).complete(withFallback, request, context());
    expect(response.id).toBe('large');
    expect(calls).toEqual(['small', 'large']);
    expect(report.attempts[1].routePath).toBe('contextLengthFallback');

    // Without one, the plan goes on (the next deployment's window may be larger), unless fallbackOn leaves the kind out.
    const without = scripted({ small: [tooLong], other: ['ok'] });
    expect((await new LocalPlanExecutor(without.adapters).complete(plan('small', 'other'), request, context())).response.id).toBe('other');
    const strict = scripted({ small: [tooLong], other: ['ok'] });
    const error = await rejection(
      new LocalPlanExecutor(strict.adapters).complete(
        { ...plan('small', 'other'), policy: policy({ fallbackOn: ['server_error'] }) },
        request,
        context(),
      ),
    );
    expect(error).toMatchObject({ code: 'context_length_exceeded' });
    expect(strict.calls).toEqual(['small']);
  });

  it('treats a content-filter answer as a refusal only when the route has an alternative', async () => {
    const { adapters, calls } = scripted({ strict: ['refuse'], lenient: ['ok'] });
    const withAlternative: ExecutionPlan = {
      ...plan('strict'),
      fallbacks: { content_policy: [{ deployment: deployment('lenient'), routePath: 'contentPolicyFallback' }] },
    };
    const { response, report } = await new LocalPlanExecutor(adapters).complete(withAlternative, request, context());
    expect(response.id).toBe('lenient');
    expect(calls).toEqual(['strict', 'lenient']);
    expect(report.attempts[0]).toMatchObject({ failure: 'content_policy' });

    const plain = scripted({ strict: ['refuse'] });
    const refused = await new LocalPlanExecutor(plain.adapters).complete(plan('strict'), request, context());
    expect(refused.response.choices[0].finishReason).toBe('content_filter');
  });

  it('skips deployments the gate does not admit and tells it every outcome', async () => {
    const outcomes: string[] = [];
    const gate: AttemptGate = {
      admit: (target) => target.providerId !== 'open',
      record: (target, outcome) => void outcomes.push(`${target.providerId}:${outcome.ok ? 'ok' : outcome.failure}`),
    };
    const { adapters, calls } = scripted({ open: ['ok'], b: [serverError()], c: ['ok'] });
    const { report } = await new LocalPlanExecutor(adapters, { gate }).complete(plan('open', 'b', 'c'), request, context());
    expect(calls).toEqual(['b', 'c']);
    expect(report.attempts[0]).toMatchObject({ outcome: 'skipped', failure: 'breaker_open' });
    expect(outcomes).toEqual(['b:server_error', 'c:ok']);
  });

  it('skips a deployment whose keys are cooling down after a 429 while others are left, and tries it when it is the last', async () => {
    const gate: AttemptGate = {
      admit: (target) => target.providerId !== 'cooling',
      skipReason: () => 'rate_limit',
      record: () => {},
    };
    const first = scripted({ cooling: ['ok'], b: ['ok'] });
    const { report } = await new LocalPlanExecutor(first.adapters, { gate }).complete(plan('cooling', 'b'), request, context());
    expect(first.calls).toEqual(['b']);
    expect(report.attempts[0]).toMatchObject({ outcome: 'skipped', failure: 'rate_limit', status: 429 });

    const last = scripted({ b: [serverError()], cooling: ['ok'] });
    const { response } = await new LocalPlanExecutor(last.adapters, { gate }).complete(plan('b', 'cooling'), request, context());
    expect(last.calls).toEqual(['b', 'cooling']);
    expect(response.id).toBe('cooling');
  });

  it('stops at once when the client goes away', async () => {
    const { adapters, calls } = scripted({ a: ['hang'], b: ['ok'] });
    const call = context();
    const pending = new LocalPlanExecutor(adapters).complete(plan('a', 'b'), request, call);
    call.controller.abort();
    const error = await rejection(pending);
    expect(error).toMatchObject({ errorClass: 'cancelled' });
    expect(calls).toEqual(['a']);
  });

  describe('streams', () => {
    it('falls back until the first part, then is committed; the final report settles when it ends', async () => {
      const { adapters, calls } = scripted({
        a: [{ parts: [], thenFail: providerUnreachable('a', new Error('reset')) }],
        b: [{ parts: [start('b'), text('one')], thenFail: providerUnreachable('b', new Error('reset')) }],
        c: ['ok'],
      });
      const { parts, report, final } = await new LocalPlanExecutor(adapters).stream(plan('a', 'b', 'c'), { ...request, stream: true }, context());
      expect(report.attempts.map((attempt) => attempt.outcome)).toEqual(['failed', 'succeeded']);
      expect(report.served).toBe(1);
      const seen: string[] = [];
      const error = await rejection(
        (async () => {
          for await (const part of parts) seen.push(part.type);
        })(),
      );
      expect(seen).toEqual(['response-start', 'text-delta']);
      expect(error).toMatchObject({ code: 'upstream_unreachable' });
      expect(calls).toEqual(['a', 'b']);
      const settled = await final;
      expect(settled.attempts[1]).toMatchObject({ outcome: 'failed', failure: 'connection' });
      expect(settled.attempts[1].timeToFirstTokenMs).toBeDefined();
    });

    it('settles the final report when the reader stops early, or never reads', async () => {
      const { adapters } = scripted({ a: [{ parts: [start('a'), text('x'), text('y')] }] });
      const executor = new LocalPlanExecutor(adapters);
      const read = await executor.stream(plan('a'), request, context());
      for await (const part of read.parts) if (part.type === 'text-delta') break;
      expect((await read.final).attempts[0]).toMatchObject({ outcome: 'cancelled' });

      const call = context();
      const unread = await executor.stream(plan('a'), request, call);
      call.controller.abort();
      expect((await unread.final).attempts[0]).toMatchObject({ outcome: 'cancelled' });
    });
  });

  describe('hedging', () => {
    it('sends the next deployment the request after the threshold; the first answer wins and the other is cancelled', async () => {
      const { adapters, calls, signals } = scripted({ slow: ['hang'], fast: ['ok'] });
      const hedged = { ...plan('slow', 'fast'), policy: policy({ hedging: { afterMs: 10 } }) };
      const { response, report } = await new LocalPlanExecutor(adapters).complete(hedged, request, context());
      expect(response.id).toBe('fast');
      expect(calls).toEqual(['slow', 'fast']);
      expect(signals[0].aborted).toBe(true);
      expect(report.attempts.map(({ outcome, hedge }) => [outcome, hedge ?? false])).toEqual([
        ['cancelled', false],
        ['succeeded', true],
      ]);
      expect(report.served).toBe(1);
    });

    it('sends no hedge when the first attempt fails before the threshold', async () => {
      const { adapters, calls } = scripted({ a: [serverError()], b: ['ok'], c: ['ok'] });
      const hedged = { ...plan('a', 'b', 'c'), policy: policy({ hedging: { afterMs: 5_000 } }) };
      const { response } = await new LocalPlanExecutor(adapters).complete(hedged, request, context());
      expect(response.id).toBe('b');
      expect(calls).toEqual(['a', 'b']);
    });

    it('moves past both when the hedged pair fails', async () => {
      const { adapters, calls } = scripted({ a: ['hang'], b: [serverError()], c: ['ok'] });
      const hedged = { ...plan('a', 'b', 'c'), policy: policy({ hedging: { afterMs: 10 }, attemptTimeoutMs: 200 }) };
      const { response, report } = await new LocalPlanExecutor(adapters).complete(hedged, request, context());
      expect(response.id).toBe('c');
      expect(calls).toEqual(['a', 'b', 'c']);
      expect(report.attempts.map((attempt) => attempt.failure ?? 'ok')).toEqual(['timeout', 'server_error', 'ok']);
    });
  });
});

test('a GatewayError is what every rejection is', async () => {
  const { adapters } = scripted({ a: [new TypeError('boom')] });
  const error = await rejection(new LocalPlanExecutor(adapters).complete(plan('a'), request, context()));
  expect(error).toBeInstanceOf(GatewayError);
  expect(error).toMatchObject({ status: 500 });
});
