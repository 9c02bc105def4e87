import { GatewayError, modelNotFound, type ErrorClass } from './gateway-error';
import { openAIErrorBody } from './openai-error-body';

describe('openAIErrorBody', () => {
  it("writes an error in OpenAI's shape", () => {
    expect(openAIErrorBody(modelNotFound('gpt-5x'))).toEqual({
      error: {
        message: 'The model `gpt-5x` does not exist or is not configured in this gateway.',
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_found',
      },
    });
  });

  it.each<[ErrorClass, string]>([
    ['invalid_request', 'invalid_request_error'],
    ['not_found', 'invalid_request_error'],
    ['payload_too_large', 'invalid_request_error'],
    ['rate_limited', 'rate_limit_error'],
    ['timeout', 'timeout_error'],
    ['upstream', 'upstream_error'],
    ['unavailable', 'server_error'],
    ['cancelled', 'cancelled'],
    ['internal', 'server_error'],
  ])('gives class %s the type %s', (errorClass, type) => {
    expect(openAIErrorBody(new GatewayError('x', { status: 400, errorClass })).error).toEqual({ message: 'x', type, param: null, code: null });
  });
});
