import { modelNotFound, noProviderConfigured } from './gateway-error';
import { providerBadResponse, providerHttpError, providerTimeout, providerUnreachable } from './provider-error';

describe('providerHttpError', () => {
  it('keeps a 429 and its Retry-After, and lets the next deployment be tried', () => {
    const error = providerHttpError('openai', 429, 'Rate limit reached', '7');
    expect(error).toMatchObject({
      status: 429,
      errorClass: 'rate_limited',
      code: 'rate_limit_exceeded',
      retryAfter: '7',
      retryable: true,
      upstreamStatus: 429,
    });
    expect(error.message).toBe('openai returned 429: Rate limit reached');
  });

  it("passes the client's own mistakes through with the provider's code and param", () => {
    expect(providerHttpError('openai', 400, 'bad', undefined, { code: 'invalid_value', param: 'temperature' })).toMatchObject({
      status: 400,
      errorClass: 'invalid_request',
      code: 'invalid_value',
      param: 'temperature',
      retryable: false,
    });
    expect(providerHttpError('openai', 404, 'no such model', undefined, { code: 'model_not_found' })).toMatchObject({
      status: 404,
      errorClass: 'not_found',
      code: 'model_not_found',
    });
    expect(providerHttpError('vllm', 422, 'unprocessable')).toMatchObject({ status: 400, code: 'upstream_rejected_request' });
    expect(providerHttpError('openai', 413, 'too large')).toMatchObject({ status: 413, retryable: false });
  });

  it('turns anything else into a 502 carrying the upstream status, retryable only for server-side failures', () => {
    expect(providerHttpError('anthropic', 529, 'Overloaded')).toMatchObject({
      status: 502,
      errorClass: 'upstream',
      code: 'upstream_529',
      retryable: true,
    });
    expect(providerHttpError('openai', 500, 'boom')).toMatchObject({ status: 502, retryable: true });
    expect(providerHttpError('openai', 401, 'Incorrect API key')).toMatchObject({ status: 502, code: 'upstream_401', retryable: false });
    expect(providerHttpError('openai', 403, 'forbidden').message).toBe('openai returned 403: forbidden');
  });
});

describe('other provider errors', () => {
  it('timeouts are 504 and retryable; an unreachable host is a retryable 502; a bad body is not retried', () => {
    expect(providerTimeout('openai', 300)).toMatchObject({
      status: 504,
      code: 'upstream_timeout',
      retryable: true,
      message: 'openai did not answer within 300 ms',
    });
    expect(providerUnreachable('openai', new Error('connect ECONNREFUSED 127.0.0.1:9'))).toMatchObject({
      status: 502,
      code: 'upstream_unreachable',
      retryable: true,
      message: 'openai could not be reached: connect ECONNREFUSED 127.0.0.1:9',
    });
    expect(providerBadResponse('openai', 'choices: Required')).toMatchObject({ status: 502, code: 'upstream_bad_response', retryable: false });
  });

  it('carry the status, class, code and param a client is told', () => {
    expect(modelNotFound('gpt-5x')).toMatchObject({
      message: 'The model `gpt-5x` does not exist or is not configured in this gateway.',
      status: 404,
      errorClass: 'not_found',
      param: 'model',
      code: 'model_not_found',
    });
    expect(noProviderConfigured()).toMatchObject({ status: 503, code: 'no_provider_configured' });
  });
});
