import { bedrockHttpError } from './bedrock-error';

describe('bedrockHttpError', () => {
  it('keeps a validation error as a 400 with the message and the error type', () => {
    const error = bedrockHttpError('bedrock', 400, '{"message":"Malformed input request"}', {
      'x-amzn-errortype': 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/',
    });
    expect(error).toMatchObject({ status: 400, retryable: false });
    expect(error.message).toBe('bedrock returned 400: Malformed input request (ValidationException)');
  });

  it('makes throttling a retryable 429 with its Retry-After, and server errors retryable', () => {
    expect(bedrockHttpError('bedrock', 429, '{"message":"Too many requests"}', { 'retry-after': '3' })).toMatchObject({
      status: 429,
      retryable: true,
      retryAfter: '3',
    });
    expect(bedrockHttpError('bedrock', 503, '{"Message":"Service unavailable"}', {})).toMatchObject({ status: 502, retryable: true });
    expect(bedrockHttpError('bedrock', 403, 'Forbidden', {}).message).toBe('bedrock returned 403: Forbidden');
  });
});

describe('a prompt beyond the context window', () => {
  it('is marked context_length_exceeded, in the words of each model family', () => {
    const type = { 'x-amzn-errortype': 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/' };
    for (const message of [
      'Input is too long for requested model.',
      'prompt is too long: 210000 tokens > 200000 maximum',
      'Too many input tokens.',
    ]) {
      expect(bedrockHttpError('bedrock', 400, JSON.stringify({ message }), type)).toMatchObject({ code: 'context_length_exceeded' });
    }
    expect(bedrockHttpError('bedrock', 400, '{"message":"Malformed input request"}', type).code).toBe('upstream_rejected_request');
  });
});
