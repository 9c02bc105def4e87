import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { configSchema, ProviderError, type CallContext, type ChatRequest, type Deployment } from '@switchyard/shared';
import { DEFAULT_FIXTURES, openAIFixture } from '../../../../../test/support/mock-openai-upstream';
import { LocalProviderAdapterService } from '../../provider-registry';
import { startResilienceGate, type StartedResilienceGate } from '../resilience-gate';

/**
 * One provider with two keys, against a real HTTP server that answers like
 * api.openai.com: the recorded completion body, with the rate-limit headers
 * and 429s OpenAI sends, per key (told apart by the Authorization header).
 */

const KEYS = { 'sk-test-first-0123456789': 'first', 'sk-test-second-0123456789': 'second' } as const;
type KeyName = (typeof KEYS)[keyof typeof KEYS];

// OpenAI's own 429 body for a requests-per-minute limit.
const RATE_LIMIT_BODY = {
  error: {
    message: 'Rate limit reached for gpt-4o-mini in organization org-test on requests per min (RPM): Limit 3, Used 3, Requested 1.',
    type: 'requests',
    param: null,
    code: 'rate_limit_exceeded',
  },
};

interface KeyBehaviour {
  remainingRequests: number;
  /** Answer 429 with this Retry-After (seconds) instead of the completion. */
  rateLimitedFor?: number;
}

const completionBody = readFileSync(openAIFixture(DEFAULT_FIXTURES.chat));

const request: ChatRequest = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
  sampling: {},
  stream: false,
  includeUsage: false,
};

const deployment: Deployment = { id: 'pooled/gpt-4o-mini', providerId: 'pooled', model: 'gpt-4o-mini' };

function context(): CallContext {
  return { requestId: 'key-balancing', signal: new AbortController().signal };
}

describe('several keys for one provider, over HTTP', () => {
  let server: Server;
  let service: LocalProviderAdapterService;
  let started: StartedResilienceGate;
  const behaviour: Record<KeyName, KeyBehaviour> = { first: { remainingRequests: 0 }, second: { remainingRequests: 0 } };
  const calls: KeyName[] = [];

  beforeAll(async () => {
    server = createServer((incoming, outgoing) => {
      incoming.resume();
      incoming.on('end', () => {
        const key = (incoming.headers.authorization ?? '').replace(/^Bearer /, '') as keyof typeof KEYS;
        const name = KEYS[key];
        if (!name) {
          outgoing
            .writeHead(401, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: { message: 'bad key', type: 'invalid_request_error', code: 'invalid_api_key' } }));
          return;
        }
        calls.push(name);
        const state = behaviour[name];
        if (state.rateLimitedFor !== undefined) {
          outgoing
            .writeHead(429, {
              'content-type': 'application/json',
              'retry-after': String(state.rateLimitedFor),
              'x-ratelimit-remaining-requests': '0',
            })
            .end(JSON.stringify(RATE_LIMIT_BODY));
          return;
        }
        state.remainingRequests = Math.max(0, state.remainingRequests - 1);
        outgoing
          .writeHead(200, {
            'content-type': 'application/json',
            'x-ratelimit-remaining-requests': String(state.remainingRequests),
            'x-ratelimit-remaining-tokens': '150000',
          })
          .end(completionBody);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const config = configSchema.parse({
      providers: {
        pooled: {
          kind: 'openai',
          baseUrl: `http://127.0.0.1:${port}/v1`,
          apiKey: '${POOL_KEY_ONE}',
          apiKeys: ['${POOL_KEY_TWO}'],
          models: ['gpt-4o-mini'],
        },
      },
      breakers: { keyCooldownMs: 60_000 },
    });
    service = new LocalProviderAdapterService(config, {
      env: { POOL_KEY_ONE: 'sk-test-first-0123456789', POOL_KEY_TWO: 'sk-test-second-0123456789' },
    });
    started = await startResilienceGate(config, { keyPools: service.keyPools });
  });

  afterAll(async () => {
    await started?.close();
    await service?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('sends each call with the key that has the most requests left, and skips a key cooling down after a 429', async () => {
    behaviour.first = { remainingRequests: 2 };
    behaviour.second = { remainingRequests: 100 };
    // Nothing known yet: one call each, which tells the pool both keys' limits.
    await service.complete(deployment, request, context());
    await service.complete(deployment, request, context());
    expect(calls.splice(0)).toEqual(['first', 'second']);
    for (let index = 0; index < 3; index += 1) await service.complete(deployment, request, context());
    expect(calls.splice(0)).toEqual(['second', 'second', 'second']);

    // The second key is rate limited: the 429 reaches the caller, and the key rests for its Retry-After.
    behaviour.second = { remainingRequests: 0, rateLimitedFor: 30 };
    const limited = await service.complete(deployment, request, context()).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(ProviderError);
    expect(limited).toMatchObject({ status: 429, retryAfter: '30' });
    expect(String((limited as Error).message)).not.toContain('sk-test');
    expect(calls.splice(0)).toEqual(['second']);
    expect(started.gate.admit(deployment)).toBe(true);
    await service.complete(deployment, request, context());
    await service.complete(deployment, request, context());
    expect(calls.splice(0)).toEqual(['first', 'first']);
    expect(
      service.keyPools
        .get('pooled')
        ?.describe()
        .map((key) => key.coolingForMs > 0),
    ).toEqual([false, true]);

    // Both keys cooling: the gate skips the deployment, as a rate limit.
    behaviour.first = { remainingRequests: 0, rateLimitedFor: 20 };
    await expect(service.complete(deployment, request, context())).rejects.toMatchObject({ status: 429 });
    expect(calls.splice(0)).toEqual(['first']);
    expect(started.gate.admit(deployment)).toBe(false);
    expect(started.gate.skipReason(deployment)).toBe('rate_limit');
    // The breaker never heard of it: rate limits are the account's, not the deployment's health.
    expect(started.gate.breakerState(deployment.id)).toBe('closed');
  });
});
