import { mistralHttpError, mistralStreamError } from './mistral-error';

describe('mistralHttpError', () => {
  it("keeps Mistral's message, code and status", () => {
    const error = mistralHttpError(
      'mistral',
      400,
      {},
      JSON.stringify({
        object: 'error',
        message: 'Tool call id was call_1 but must be a-z, A-Z, 0-9, with a length of 9.',
        type: 'invalid_request_message_order',
        param: null,
        code: '3230',
      }),
    );
    expect(error).toMatchObject({ status: 400, retryable: false, code: '3230' });
    expect(error.message).toBe('mistral returned 400: Tool call id was call_1 but must be a-z, A-Z, 0-9, with a length of 9.');
  });

  it("reads a 422's detail list as a 400 naming each field", () => {
    const error = mistralHttpError(
      'mistral',
      422,
      {},
      JSON.stringify({ detail: [{ loc: ['body', 'seed'], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' }] }),
    );
    expect(error).toMatchObject({ status: 400, retryable: false });
    expect(error.message).toContain('body.seed: Extra inputs are not permitted');
  });

  it('reads a message that is an object, and quotes what is not JSON', () => {
    expect(mistralHttpError('mistral', 400, {}, '{"message":{"detail":"bad"}}').message).toContain('{"detail":"bad"}');
    expect(mistralHttpError('mistral', 502, {}, 'upstream connect error').message).toContain('upstream connect error');
  });

  it('makes 429 a retryable rate limit with Retry-After, 5xx retryable, 401 not', () => {
    expect(mistralHttpError('mistral', 429, { 'retry-after': '2' }, '{"message":"Requests rate limit exceeded"}')).toMatchObject({
      status: 429,
      retryable: true,
      retryAfter: '2',
    });
    expect(mistralHttpError('mistral', 503, {}, '{"message":"Service unavailable"}')).toMatchObject({ status: 502, retryable: true });
    expect(mistralHttpError('mistral', 401, {}, '{"message":"Unauthorized","request_id":"r"}')).toMatchObject({
      retryable: false,
      message: expect.stringContaining('Unauthorized'),
    });
  });

  it('a stream error is a retryable 502', () => {
    expect(mistralStreamError('mistral', { message: 'overloaded' })).toMatchObject({ status: 502, retryable: true });
  });
});

describe('a prompt beyond the context window', () => {
  it('is marked context_length_exceeded', () => {
    const body = JSON.stringify({
      object: 'error',
      message: 'Prompt contains 40123 tokens and 0 draft tokens, too large for model with 32768 maximum context length',
      type: 'invalid_request_error',
      code: '3051',
    });
    expect(mistralHttpError('mistral', 400, {}, body)).toMatchObject({ status: 400, code: 'context_length_exceeded' });
  });
});
