import { anthropicHttpError } from './anthropic-error';

describe('anthropicHttpError', () => {
  it('keeps a 429 with its Retry-After', () => {
    const body = '{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}';
    const error = anthropicHttpError('anthropic', 429, body, { 'retry-after': '30' });
    expect(error).toMatchObject({
      status: 429,
      errorClass: 'rate_limited',
      retryAfter: '30',
      retryable: true,
      upstreamStatus: 429,
      providerId: 'anthropic',
    });
    expect(error.message).toBe('anthropic returned 429: Number of request tokens has exceeded your per-minute rate limit (rate_limit_error)');
  });

  it('takes the first of repeated Retry-After headers', () => {
    expect(anthropicHttpError('anthropic', 429, '', { 'retry-after': ['5', '10'] }).retryAfter).toBe('5');
  });

  it('keeps a 400 as the client mistake it is', () => {
    const body = '{"type":"error","error":{"type":"invalid_request_error","message":"messages: roles must alternate"}}';
    expect(anthropicHttpError('anthropic', 400, body, {})).toMatchObject({ status: 400, errorClass: 'invalid_request', retryable: false });
  });

  it('makes 529 overloaded and 500 retryable 502s', () => {
    const overloaded = '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}';
    expect(anthropicHttpError('anthropic', 529, overloaded, {})).toMatchObject({
      status: 502,
      code: 'upstream_529',
      retryable: true,
      upstreamStatus: 529,
    });
    expect(anthropicHttpError('anthropic', 500, '', {})).toMatchObject({ status: 502, retryable: true });
  });

  it('does not retry an authentication failure', () => {
    const body = '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}';
    expect(anthropicHttpError('anthropic', 401, body, {})).toMatchObject({ status: 502, retryable: false, upstreamStatus: 401 });
  });

  it('quotes a body that is not Anthropic JSON', () => {
    expect(anthropicHttpError('anthropic', 502, '<html>502 Bad Gateway</html>\n', {}).message).toBe(
      'anthropic returned 502: <html>502 Bad Gateway</html>',
    );
    expect(anthropicHttpError('anthropic', 503, '   ', {}).message).toBe('anthropic returned 503: an empty body');
  });
});

describe('a prompt beyond the context window', () => {
  it('is marked context_length_exceeded, so a route can send it to a larger model', () => {
    const body = '{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 208310 tokens > 200000 maximum"}}';
    expect(anthropicHttpError('anthropic', 400, body, {})).toMatchObject({ status: 400, code: 'context_length_exceeded', retryable: false });
    const other = '{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}}';
    expect(anthropicHttpError('anthropic', 400, other, {})).toMatchObject({ code: 'upstream_rejected_request' });
  });
});
