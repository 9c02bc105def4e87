import { ProviderError, providerHttpError } from './provider-error';
import { REDACTED, scrubSecrets } from './scrub-secrets';

// OpenAI's 401 as api.openai.com sends it: the key masked with `*` but for its first and last characters.
const OPENAI_401_MESSAGE =
  'Incorrect API key provided: sk-proj-********************************************************************************************************************************************************abcd. ' +
  'You can find your API key at https://platform.openai.com/account/api-keys.';

describe('scrubSecrets', () => {
  it.each([
    ['an OpenAI project key, masked', OPENAI_401_MESSAGE, 'abcd'],
    ['a whole OpenAI key', 'key sk-abcdefghijklmnopqrstuvwxyz0123456789 rejected', 'abcdefghijklmnop'],
    ['an Anthropic key', 'invalid key sk-ant-api03-AbCdEf012345_-xyz', 'AbCdEf012345'],
    ['a Switchyard key', 'revoked sk-sy-9f8e7d6c5b4a', '9f8e7d6c5b4a'],
    ['a bearer token', 'Authorization: Bearer eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl was refused', 'eyJhbGciOi'],
    ['a named value', '{"x-api-key": "abc123def456"} is wrong', 'abc123def456'],
    ['a long hex secret', 'secret 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 leaked', '9f86d081884c7d65'],
    ['a long base64 secret', 'value dGhpcyBpcyBhIHZlcnkgc2VjcmV0IGtleSAxMjM0NTY3ODkw== leaked', 'dGhpcyBpcyBh'],
    ['an AWS access key id', 'AKIAIOSFODNN7EXAMPLE is not authorised', 'AKIAIOSFODNN7EXAMPLE'],
  ])('removes %s and keeps the prose', (_, text, secretPart) => {
    const scrubbed = scrubSecrets(text);
    expect(scrubbed).not.toContain(secretPart);
    expect(scrubbed).toContain(REDACTED);
  });

  it("keeps OpenAI's 401 readable: what went wrong and where to look", () => {
    expect(scrubSecrets(OPENAI_401_MESSAGE)).toBe(
      'Incorrect API key provided: [redacted]. You can find your API key at https://platform.openai.com/account/api-keys.',
    );
  });

  it('leaves ordinary provider messages alone', () => {
    for (const message of [
      "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      'The model `gpt-4o-mini` does not exist or you do not have access to it.',
      'invalid x-api-key (authentication_error)',
      'Overloaded (overloaded_error) request req_011CSHoEeqs5C35K2UUqR7Fy',
      'task-sk-1 and desk-top are words',
    ]) {
      expect(scrubSecrets(message)).toBe(message);
    }
  });

  it('is applied to every ProviderError message, whoever builds it', () => {
    const mapped = providerHttpError('openai', 401, OPENAI_401_MESSAGE);
    expect(mapped.message).not.toContain('abcd');
    expect(mapped.message).toContain('openai returned 401: Incorrect API key provided: [redacted].');
    const direct = new ProviderError('sent an error mid-stream: bad key sk-ant-api03-zzzz9999', {
      providerId: 'anthropic',
      status: 502,
      errorClass: 'upstream',
      retryable: false,
    });
    expect(direct.message).toBe('sent an error mid-stream: bad key [redacted]');
  });
});
