import { cohereHttpError, cohereStreamError } from './cohere-error';

describe('cohereHttpError', () => {
  it("keeps Cohere's message and status; a 400 is the client's mistake, not retried", () => {
    const error = cohereHttpError('cohere', 400, {}, JSON.stringify({ id: 'e1', message: 'invalid request: message must not be empty in a turn' }));
    expect(error).toMatchObject({ status: 400, upstreamStatus: 400, retryable: false, errorClass: 'invalid_request' });
    expect(error.message).toBe('cohere returned 400: invalid request: message must not be empty in a turn');
  });

  it('makes a 429 a retryable rate limit that keeps Retry-After', () => {
    expect(cohereHttpError('cohere', 429, { 'retry-after': '3' }, '{"message":"You are using a Trial key"}')).toMatchObject({
      status: 429,
      retryable: true,
      retryAfter: '3',
    });
  });

  it('makes 5xx retryable, and 498 (invalid token) and 401 not', () => {
    expect(cohereHttpError('cohere', 503, {}, '{"message":"overloaded"}')).toMatchObject({ status: 502, retryable: true });
    expect(cohereHttpError('cohere', 498, {}, '{"message":"invalid api token"}')).toMatchObject({ status: 502, retryable: false });
    expect(cohereHttpError('cohere', 401, {}, '{"message":"no api key supplied"}')).toMatchObject({ retryable: false });
  });

  it('quotes a body that is not Cohere JSON', () => {
    expect(cohereHttpError('cohere', 502, {}, '<html>Bad gateway</html>').message).toContain('<html>Bad gateway</html>');
    expect(cohereHttpError('cohere', 500, {}, '').message).toContain('HTTP 500');
  });
});

describe('cohereStreamError', () => {
  it('is a retryable 502 carrying the message', () => {
    expect(cohereStreamError('cohere', 'model overloaded')).toMatchObject({
      status: 502,
      retryable: true,
      message: expect.stringContaining('model overloaded'),
    });
  });
});

describe('a prompt beyond the context window', () => {
  it('is marked context_length_exceeded', () => {
    const body = JSON.stringify({ message: 'too many tokens: total number of tokens in the prompt cannot exceed 128000 - received 130012.' });
    expect(cohereHttpError('cohere', 400, {}, body)).toMatchObject({ status: 400, code: 'context_length_exceeded' });
  });
});
