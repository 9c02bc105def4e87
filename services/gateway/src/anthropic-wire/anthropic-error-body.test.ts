import { GatewayError } from '@switchyard/shared';
import { anthropicErrorBody, anthropicErrorType } from './anthropic-error-body';

describe('anthropicErrorBody', () => {
  it("writes Anthropic's error shape with the request id", () => {
    const error = new GatewayError('Invalid value for max_tokens.', { status: 400, errorClass: 'invalid_request', param: 'max_tokens' });
    expect(anthropicErrorBody(error, 'req-1')).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'Invalid value for max_tokens.' },
      request_id: 'req-1',
    });
  });

  it.each([
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [408, 'invalid_request_error'],
    [413, 'request_too_large'],
    [429, 'rate_limit_error'],
    [500, 'api_error'],
    [502, 'api_error'],
    [503, 'overloaded_error'],
    [504, 'timeout_error'],
    [529, 'overloaded_error'],
  ])('names status %i %s', (status, type) => {
    expect(anthropicErrorType({ status, code: null })).toBe(type);
  });

  it('keeps an overloaded upstream overloaded_error', () => {
    expect(anthropicErrorType({ status: 429, code: 'upstream_overloaded' })).toBe('overloaded_error');
  });
});
