import { ANONYMOUS_PRINCIPAL, configSchema, type Principal } from '@switchyard/shared';
import { MemoryRateLimiter } from './memory-rate-limiter';
import { formatDuration } from './rate-limit-headers';
import { ConfigRateLimitPolicy } from './rate-limit-policy';
import { RateLimitService } from './rate-limit-service';

const keyPrincipal: Principal = { ...ANONYMOUS_PRINCIPAL, kind: 'api_key', keyId: 'key_a', subject: 'svc', workspace: 'team-a', role: 'developer' };
const request = { workspace: 'team-a', user: 'alice', model: 'gpt-4o-mini' };

function rules(rateLimits: unknown[]) {
  return configSchema.parse({ governance: { rateLimits } }).governance.rateLimits;
}

describe('the config rate-limit policy', () => {
  const policy = new ConfigRateLimitPolicy(
    rules([
      { scope: 'key', requestsPerMinute: 10 },
      { scope: 'workspace', match: 'team-*', tokensPerMinute: 1000, tokenKind: 'input' },
      { scope: 'user', requestsPerMinute: 5 },
      { scope: 'model', match: 'gpt-4o', requestsPerMinute: 3 },
      { scope: 'workspace', match: 'team-a', requestsPerMinute: 100 },
    ]),
  );

  it('applies each matching rule to its own subject, in buckets of its own', () => {
    expect(policy.limitsFor(keyPrincipal, request).map((limit) => limit.id)).toEqual([
      'rule0:key:key_a',
      'rule1:workspace:team-a',
      'rule2:user:alice',
      'rule4:workspace:team-a',
    ]);
  });

  it('skips key rules without a key and user rules without a user', () => {
    expect(policy.limitsFor(ANONYMOUS_PRINCIPAL, { ...request, user: '', model: 'gpt-4o' }).map((limit) => limit.id)).toEqual([
      'rule1:workspace:team-a',
      'rule3:model:gpt-4o',
      'rule4:workspace:team-a',
    ]);
  });

  it('is refused by the config schema without a limit, naming the rule', () => {
    const parsed = configSchema.safeParse({ governance: { rateLimits: [{ scope: 'key' }] } });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain('needs requestsPerMinute or tokensPerMinute');
    expect(parsed.error?.issues[0].path).toEqual(['governance', 'rateLimits', 0]);
  });
});

describe('the rate-limit service', () => {
  function service(rateLimits: unknown[], now: () => number = () => 0) {
    return new RateLimitService(new ConfigRateLimitPolicy(rules(rateLimits)), new MemoryRateLimiter(now));
  }

  it("answers OpenAI's headers for the tightest limit of requests and of tokens", async () => {
    const limits = service([
      { scope: 'key', requestsPerMinute: 10, tokensPerMinute: 10_000 },
      { scope: 'workspace', requestsPerMinute: 3, tokensPerMinute: 50_000 },
    ]);
    const decision = await limits.admit(keyPrincipal, request, { input: 100, output: 200 });
    expect(decision.headers).toEqual({
      'x-ratelimit-limit-requests': '3',
      'x-ratelimit-remaining-requests': '2',
      'x-ratelimit-reset-requests': '20s',
      'x-ratelimit-limit-tokens': '10000',
      'x-ratelimit-remaining-tokens': '9700',
      'x-ratelimit-reset-tokens': '1.8s',
    });
  });

  it('refuses with 429 rate_limit_exceeded, Retry-After in seconds and a message naming the limit', async () => {
    const limits = service([{ scope: 'workspace', requestsPerMinute: 2 }]);
    await limits.admit(keyPrincipal, request, { input: 1, output: 0 });
    await limits.admit(keyPrincipal, request, { input: 1, output: 0 });
    const decision = await limits.admit(keyPrincipal, request, { input: 1, output: 0 });
    expect(decision.admitted).toBe(false);
    if (decision.admitted) return;
    expect(decision.error).toMatchObject({ status: 429, errorClass: 'rate_limited', code: 'rate_limit_exceeded', retryAfter: '30' });
    expect(decision.error.message).toBe(
      'Rate limit reached for requests per minute (RPM) on workspace team-a: Limit 2, Requested 1. Please try again in 30s.',
    );
    expect(decision.headers['x-ratelimit-remaining-requests']).toBe('0');
  });

  it('refuses a request larger than a token limit for good', async () => {
    const limits = service([{ scope: 'model', tokensPerMinute: 1000, tokenKind: 'output' }]);
    const decision = await limits.admit(keyPrincipal, request, { input: 10, output: 4096 });
    expect(decision.admitted).toBe(false);
    if (decision.admitted) return;
    expect(decision.error.retryAfter).toBeUndefined();
    expect(decision.error.message).toContain(
      'Request too large for output tokens per minute (TPM) on model gpt-4o-mini: Limit 1000, Requested 4096.',
    );
  });

  it('reserves the estimate, then settles with the real usage', async () => {
    const limits = service([{ scope: 'key', tokensPerMinute: 1000 }]);
    const first = await limits.admit(keyPrincipal, request, { input: 300, output: 500 });
    expect(first.headers['x-ratelimit-remaining-tokens']).toBe('200');
    expect((await limits.admit(keyPrincipal, request, { input: 300, output: 0 })).admitted).toBe(false);
    if (!first.admitted) throw new Error('admitted expected');
    await limits.settle(first.reservation, { inputTokens: 280, outputTokens: 20 });
    const second = await limits.admit(keyPrincipal, request, { input: 300, output: 0 });
    expect(second.headers['x-ratelimit-remaining-tokens']).toBe('400');
    // No usage (the upstream failed): the whole reservation is given back.
    if (!second.admitted) throw new Error('admitted expected');
    await limits.settle(second.reservation, undefined);
    expect((await limits.admit(keyPrincipal, request, { input: 0, output: 0 })).headers['x-ratelimit-remaining-tokens']).toBe('700');
  });

  it('admits with no headers when no limit applies', async () => {
    expect(await service([{ scope: 'key', requestsPerMinute: 1 }]).admit(ANONYMOUS_PRINCIPAL, request, { input: 1, output: 1 })).toMatchObject({
      admitted: true,
      headers: {},
    });
  });
});

describe('durations as OpenAI writes them', () => {
  it.each([
    [0, '0ms'],
    [20, '20ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [17_280, '17.28s'],
    [60_000, '1m0s'],
    [360_000, '6m0s'],
    [83_500, '1m23.5s'],
  ])('%d ms is %s', (milliseconds, text) => {
    expect(formatDuration(milliseconds)).toBe(text);
  });
});
