import { startSwitchyard, type Mode, type RunningSwitchyard } from '../switchyard-harness';
import { waitFor } from '../../support/wait-for';
import { startChaosUpstream, type ChaosUpstream } from './chaos-upstream';

/**
 * Upstreams that fail, stall, answer 429 with Retry-After, drop the
 * connection before and during a stream, and send malformed chunks; each
 * case run in one process and across the services. Every case checks the
 * order in which deployments were tried (the upstreams' own arrival log and
 * `x-switchyard-attempt-list`), that exactly one record is kept per client
 * request, and that no connection is left open; every request has a
 * deadline of its own, so none can hang the suite.
 */

/** Each client request must end within this long, or the test fails (a hang, not a slow machine). */
const REQUEST_DEADLINE_MS = 30_000;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  requestId: string;
}

jest.setTimeout(180_000);

describe.each<Mode>(['embedded', 'distributed'])('chaos (%s mode)', (mode) => {
  const log: string[] = [];
  let a: ChaosUpstream;
  let b: ChaosUpstream;
  let large: ChaosUpstream;
  let c: ChaosUpstream;
  let d: ChaosUpstream;
  let e: ChaosUpstream;
  let f: ChaosUpstream;
  let switchyard: RunningSwitchyard;
  const requestIds: string[] = [];
  let sequence = 0;

  beforeAll(async () => {
    process.env.CHAOS_UPSTREAM_KEY = 'sk-chaos-upstream';
    a = await startChaosUpstream('a', log);
    b = await startChaosUpstream('b', log);
    large = await startChaosUpstream('large', log);
    // A long Retry-After cools a provider's key across requests: those cases get upstreams of their own.
    c = await startChaosUpstream('c', log);
    d = await startChaosUpstream('d', log);
    e = await startChaosUpstream('e', log);
    f = await startChaosUpstream('f', log);
    const provider = (upstream: ChaosUpstream, model: string) => ({
      kind: 'openai',
      baseUrl: upstream.baseUrl,
      apiKey: '${CHAOS_UPSTREAM_KEY}',
      models: [model],
    });
    const chain = {
      strategy: 'fallback',
      targets: [
        { provider: 'a', model: 'm' },
        { provider: 'b', model: 'm' },
      ],
    };
    switchyard = await startSwitchyard(mode, {
      providers: {
        a: provider(a, 'm'),
        b: provider(b, 'm'),
        large: provider(large, 'm-large'),
        c: provider(c, 'm'),
        d: provider(d, 'm'),
        e: provider(e, 'm'),
        f: provider(f, 'm'),
      },
      routes: {
        chain,
        hedged: chain,
        bounded: chain,
        'long-context': { provider: 'large', model: 'm-large' },
        limited: {
          strategy: 'fallback',
          targets: [
            { provider: 'c', model: 'm' },
            { provider: 'd', model: 'm' },
          ],
        },
        exhausted: {
          strategy: 'fallback',
          targets: [
            { provider: 'e', model: 'm' },
            { provider: 'f', model: 'm' },
          ],
        },
      },
      // Breakers have their own tests; here each request's own path is checked, whatever came before it.
      breakers: { enabled: false },
      resilience: {
        retries: 1,
        retryOn: ['rate_limit', 'server_error'],
        backoff: { initialMs: 10, maxMs: 50 },
        maxRetryAfterMs: 5_000,
        attemptTimeoutMs: 3_000,
        routes: {
          chain: { contextLengthFallback: 'long-context' },
          hedged: { retries: 0, hedging: { afterMs: 300 } },
          bounded: { deadlineMs: 1_500, attemptTimeoutMs: 600_000 },
        },
      },
    });
  });

  afterAll(async () => {
    await switchyard?.close();
    await Promise.all([a, b, large, c, d, e, f].map((upstream) => upstream?.close()));
  });

  afterEach(async () => {
    // No connection upstream outlives its client request.
    await Promise.all([a, b, large, c, d, e, f].map((upstream) => upstream.whenNoneOpen(10_000)));
    for (const upstream of [a, b, large, c, d, e, f]) upstream.reset();
    log.length = 0;
  });

  async function chat(model: string, options: { stream?: boolean; headers?: Record<string, string> } = {}): Promise<Answer> {
    const requestId = `chaos-${mode}-${process.pid}-${++sequence}`;
    requestIds.push(requestId);
    const response = await fetch(`${switchyard.baseURL}/chat/completions`, {
      method: 'POST',
      headers: switchyard.headers({ 'content-type': 'application/json', 'x-request-id': requestId, ...options.headers }),
      body: JSON.stringify({
        model,
        messages: [{ role: 'user', content: 'Say hello' }],
        ...(options.stream && { stream: true, stream_options: { include_usage: true } }),
      }),
      signal: AbortSignal.timeout(REQUEST_DEADLINE_MS),
    });
    return { status: response.status, headers: response.headers, text: await response.text(), requestId };
  }

  /** The request's record, once the observability side has it. */
  async function recordOf(requestId: string): Promise<Record<string, any>> {
    const { body } = await waitFor(
      async () => {
        const response = await fetch(`${switchyard.origin}/v1/requests/${requestId}`, { headers: switchyard.headers() });
        return { status: response.status, body: (await response.json()) as Record<string, any> };
      },
      ({ status }) => status === 200,
      { timeoutMs: 30_000, what: `the record of ${requestId}` },
    );
    return body;
  }

  const attemptList = (answer: Answer) => answer.headers.get('x-switchyard-attempt-list');

  /** The `data:` payloads of an event stream. */
  const events = (text: string) =>
    text
      .split('\n\n')
      .filter((event) => event.startsWith('data: '))
      .map((event) => event.slice('data: '.length));

  it('falls back past a failing deployment once its retries are spent', async () => {
    a.always({ kind: 'fail', status: 503 });
    const answer = await chat('chain');
    expect(answer.status).toBe(200);
    expect(log).toEqual(['a', 'a', 'b']);
    expect(attemptList(answer)).toBe('a/m=server_error,a/m=server_error,b/m=ok');
    expect(answer.headers.get('x-switchyard-attempts')).toBe('3');
    expect(answer.headers.get('x-switchyard-provider')).toBe('b');
    expect(answer.headers.get('x-switchyard-route-path')).toBe('targets[1]');
    expect(await recordOf(answer.requestId)).toMatchObject({ status: 'succeeded', provider: 'b', attempts: 3 });
  });

  it('waits out a short Retry-After and tries the same deployment again', async () => {
    a.enqueue({ kind: 'rate-limit', retryAfterSeconds: 1 });
    const answer = await chat('chain');
    expect(answer.status).toBe(200);
    expect(log).toEqual(['a', 'a']);
    expect(attemptList(answer)).toBe('a/m=rate_limit,a/m=ok');
    expect(await recordOf(answer.requestId)).toMatchObject({ provider: 'a', attempts: 2 });
  });

  it('moves on at once past a Retry-After longer than the policy waits for, and skips that key while it cools down', async () => {
    c.always({ kind: 'rate-limit', retryAfterSeconds: 60 });
    const first = await chat('limited');
    expect(first.status).toBe(200);
    expect(log).toEqual(['c', 'd']);
    expect(attemptList(first)).toBe('c/m=rate_limit,d/m=ok');
    await recordOf(first.requestId);

    // The provider said 60 s: the next request does not call it, while another deployment can answer.
    log.length = 0;
    const second = await chat('limited');
    expect(second.status).toBe(200);
    expect(log).toEqual(['d']);
    expect(attemptList(second)).toBe('c/m=rate_limit+skipped,d/m=ok');
    expect(await recordOf(second.requestId)).toMatchObject({ status: 'succeeded', provider: 'd', attempts: 1 });

    // When the cooling deployment is all that is left, the provider answers for itself.
    log.length = 0;
    const alone = await chat('c/m');
    expect(alone.status).toBe(429);
    expect(log).toEqual(['c']);
    expect(alone.headers.get('retry-after')).toBe('60');
  });

  it('answers 429 with the Retry-After when every deployment is rate limited', async () => {
    e.always({ kind: 'rate-limit', retryAfterSeconds: 60 });
    f.always({ kind: 'rate-limit', retryAfterSeconds: 60 });
    const answer = await chat('exhausted');
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('60');
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
    expect(attemptList(answer)).toBe('e/m=rate_limit,f/m=rate_limit');
    expect(await recordOf(answer.requestId)).toMatchObject({ status: 'failed', attempts: 2 });
  });

  it('cuts a stalled deployment at the attempt timeout and moves on, closing its connection', async () => {
    a.always({ kind: 'stall' });
    const answer = await chat('chain');
    expect(answer.status).toBe(200);
    expect(log).toEqual(['a', 'b']);
    expect(attemptList(answer)).toBe('a/m=timeout,b/m=ok');
    await recordOf(answer.requestId);
  });

  it('moves on when the connection drops before any answer', async () => {
    a.always({ kind: 'drop' });
    const answer = await chat('chain');
    expect(answer.status).toBe(200);
    expect(attemptList(answer)).toBe('a/m=connection,b/m=ok');
    await recordOf(answer.requestId);
  });

  it('never falls back on a client error', async () => {
    a.always({ kind: 'fail', status: 401, message: 'Incorrect API key provided' });
    const answer = await chat('chain');
    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'upstream_401' } });
    expect(log).toEqual(['a']);
    expect(attemptList(answer)).toBe('a/m=client_error');
    expect(await recordOf(answer.requestId)).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('sends a prompt beyond the context window to the route for long contexts', async () => {
    a.always({ kind: 'fail', status: 400, code: 'context_length_exceeded', message: "This model's maximum context length is 8192 tokens." });
    const answer = await chat('chain');
    expect(answer.status).toBe(200);
    expect(log).toEqual(['a', 'large']);
    expect(attemptList(answer)).toBe('a/m=context_length,large/m-large=ok');
    expect(answer.headers.get('x-switchyard-route-path')).toBe('contextLengthFallback');
    await recordOf(answer.requestId);
  });

  it('hedges a slow deployment: the first answer wins and the other is cancelled', async () => {
    a.always({ kind: 'stall' });
    const answer = await chat('hedged');
    expect(answer.status).toBe(200);
    expect(log).toEqual(['a', 'b']);
    expect(attemptList(answer)).toBe('a/m=cancelled,b/m=ok+hedge');
    expect(await recordOf(answer.requestId)).toMatchObject({ provider: 'b', attempts: 2 });
  });

  it('ends a request at its deadline with a 504, trying nothing after it', async () => {
    a.always({ kind: 'stall' });
    const answer = await chat('bounded');
    expect(answer.status).toBe(504);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'deadline_exceeded' } });
    expect(log).toEqual(['a']);
    expect(attemptList(answer)).toBe('a/m=timeout');
    expect(await recordOf(answer.requestId)).toMatchObject({ status: 'failed' });
  });

  it('runs the route that x-switchyard-route holds inline', async () => {
    const inline = JSON.stringify({
      strategy: 'fallback',
      targets: [
        { provider: 'b', model: 'm' },
        { provider: 'a', model: 'm' },
      ],
    });
    b.always({ kind: 'fail', status: 500 });
    const answer = await chat('chain', { headers: { 'x-switchyard-route': inline } });
    expect(answer.status).toBe(200);
    expect(attemptList(answer)).toBe('b/m=server_error,b/m=server_error,a/m=ok');
    await recordOf(answer.requestId);
  });

  describe('streams', () => {
    it('fall back when the connection drops before the first part', async () => {
      a.always({ kind: 'drop-mid-stream', events: 0 });
      const answer = await chat('chain', { stream: true });
      expect(answer.status).toBe(200);
      expect(log).toEqual(['a', 'b']);
      expect(attemptList(answer)).toBe('a/m=connection,b/m=ok');
      expect(events(answer.text).at(-1)).toBe('[DONE]');
      expect(await recordOf(answer.requestId)).toMatchObject({ status: 'succeeded', provider: 'b', attempts: 2, usage_estimated: false });
    });

    it('fall back past a malformed first chunk', async () => {
      a.always({ kind: 'malformed-chunk', events: 0 });
      const answer = await chat('chain', { stream: true });
      expect(answer.status).toBe(200);
      expect(attemptList(answer)).toBe('a/m=bad_response,b/m=ok');
      expect(events(answer.text).at(-1)).toBe('[DONE]');
      await recordOf(answer.requestId);
    });

    it('end with an error event when the connection drops after the first part: no fallback, one record', async () => {
      a.always({ kind: 'drop-mid-stream', events: 3 });
      const answer = await chat('chain', { stream: true });
      expect(answer.status).toBe(200);
      expect(log).toEqual(['a']);
      const payloads = events(answer.text);
      expect(JSON.parse(payloads[0])).toMatchObject({ object: 'chat.completion.chunk' });
      expect(JSON.parse(payloads.at(-1)!)).toMatchObject({ error: { code: 'upstream_unreachable' } });
      expect(payloads).not.toContain('[DONE]');
      expect(await recordOf(answer.requestId)).toMatchObject({ status: 'failed', provider: 'a', attempts: 1, usage_estimated: true });
    });

    it('end with an error event at a malformed chunk mid-stream', async () => {
      a.always({ kind: 'malformed-chunk', events: 3 });
      const answer = await chat('chain', { stream: true });
      expect(answer.status).toBe(200);
      expect(log).toEqual(['a']);
      expect(JSON.parse(events(answer.text).at(-1)!)).toMatchObject({ error: { code: 'upstream_bad_response' } });
      expect(await recordOf(answer.requestId)).toMatchObject({ status: 'failed', attempts: 1 });
    });

    it('hedge until the first part', async () => {
      a.always({ kind: 'stall' });
      const answer = await chat('hedged', { stream: true });
      expect(answer.status).toBe(200);
      expect(attemptList(answer)).toBe('a/m=cancelled,b/m=ok+hedge');
      expect(events(answer.text).at(-1)).toBe('[DONE]');
      await recordOf(answer.requestId);
    });
  });

  it('recorded every client request exactly once', async () => {
    const counts = await waitFor(
      async () => {
        const response = await fetch(`${switchyard.origin}/v1/requests?limit=1000`, { headers: switchyard.headers() });
        const { data } = (await response.json()) as { data: { id: string }[] };
        const seen = new Map<string, number>();
        for (const { id } of data) seen.set(id, (seen.get(id) ?? 0) + 1);
        return requestIds.map((id) => seen.get(id) ?? 0);
      },
      (found) => found.every((count) => count >= 1),
      { timeoutMs: 30_000, what: 'a record of every chaos request' },
    );
    expect(counts).toEqual(requestIds.map(() => 1));
  });
});
