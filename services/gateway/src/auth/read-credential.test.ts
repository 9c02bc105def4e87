import { GatewayError } from '@switchyard/shared';
import { CREDENTIAL_MAX_LENGTH, readCredential } from './read-credential';

function refusal(headers: Record<string, string | string[]>): GatewayError {
  try {
    readCredential(headers);
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error('expected the credential to be refused');
}

describe('readCredential', () => {
  it('reads a bearer token, with any case of the scheme, or x-api-key', () => {
    expect(readCredential({ authorization: 'Bearer sk-sy-abc' })).toBe('sk-sy-abc');
    expect(readCredential({ authorization: 'bearer  sk-sy-abc ' })).toBe('sk-sy-abc');
    expect(readCredential({ 'x-api-key': 'sk-sy-def' })).toBe('sk-sy-def');
    // Authorization wins when a client sends both.
    expect(readCredential({ authorization: 'Bearer first', 'x-api-key': 'second' })).toBe('first');
    expect(readCredential({})).toBeUndefined();
  });

  it.each([
    [{ authorization: 'Basic dXNlcjpwYXNz' }],
    [{ authorization: 'Bearer' }],
    [{ authorization: 'Bearer two words' }],
    [{ 'x-api-key': '' }],
    [{ 'x-api-key': 'one, two' }],
    [{ 'x-api-key': `${'k'.repeat(CREDENTIAL_MAX_LENGTH + 1)}` }],
  ])('refuses %j as 401 invalid_api_key without echoing it', (headers) => {
    const error = refusal(headers);
    expect(error).toMatchObject({ status: 401, code: 'invalid_api_key' });
    for (const value of Object.values(headers)) {
      const secret = String(value).replace(/^(Basic|Bearer) ?/, '');
      if (secret.length > 3) expect(error.message).not.toContain(secret);
    }
  });
});
