import { GatewayError, type ChatRequest } from '@switchyard/shared';
import { settleUnsupportedParameters } from './unsupported-parameters';

const base: ChatRequest = {
  model: 'claude',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
  sampling: {},
  stream: false,
  includeUsage: false,
};

function errorOf(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    return error as GatewayError;
  }
  throw new Error('expected a 400');
}

describe('settleUnsupportedParameters', () => {
  it('has nothing to settle without unsupported or unmodelled parameters', () => {
    expect(settleUnsupportedParameters('claude', base, [], { dropAllowed: false })).toEqual([]);
  });

  it('is a 400 naming the first parameter and the provider', () => {
    const request = { ...base, extraBody: { logit_bias: { '1': 2 } } };
    const error = errorOf(() => settleUnsupportedParameters('claude', request, ['seed'], { dropAllowed: false }));
    expect(error.status).toBe(400);
    expect(error.param).toBe('seed');
    expect(error.code).toBe('unsupported_parameter');
    expect(error.message).toContain('Provider claude');
    expect(error.message).toContain("'seed'");
  });

  it('drops them when the config allows it, or the request does, and says which', () => {
    const request = { ...base, extraBody: { logprobs: true, vendor: 1 } };
    expect(settleUnsupportedParameters('claude', request, ['seed'], { dropAllowed: true })).toEqual(['seed', 'logprobs', 'vendor']);
    expect(settleUnsupportedParameters('claude', { ...request, dropUnsupportedParams: true }, [], { dropAllowed: false })).toEqual([
      'logprobs',
      'vendor',
    ]);
  });

  it("lets the request's false override a config that allows dropping", () => {
    const request = { ...base, extraBody: { logprobs: true }, dropUnsupportedParams: false };
    expect(errorOf(() => settleUnsupportedParameters('claude', request, [], { dropAllowed: true })).param).toBe('logprobs');
  });

  it('reads an unmodelled field set to null as not set', () => {
    const request = { ...base, extraBody: { logprobs: null, service_tier: null } };
    expect(settleUnsupportedParameters('claude', request, [], { dropAllowed: false })).toEqual([]);
  });
});
