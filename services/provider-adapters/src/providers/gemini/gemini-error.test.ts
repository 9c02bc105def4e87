import { readFileSync } from 'node:fs';
import path from 'node:path';
import { geminiHttpError } from './gemini-error';

const FIXTURES = path.resolve(__dirname, '../../../../../../shared/fixtures/provider-responses/vercel-ai/packages/google/src/__fixtures__');

describe('geminiHttpError', () => {
  it('keeps a 429 retryable with the RetryInfo delay as Retry-After when there is no header', () => {
    const error = geminiHttpError('gemini', 429, readFileSync(path.join(FIXTURES, 'google-429-retry-info.json'), 'utf8'), {});
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfter: '35', upstreamStatus: 429 });
    expect(error.message).toBe('gemini returned 429: You exceeded your current quota, please check your plan. (RESOURCE_EXHAUSTED)');
    expect(geminiHttpError('gemini', 429, '{}', { 'retry-after': '7' }).retryAfter).toBe('7');
  });

  it('keeps a 400 as the client mistake it is, and makes a 503 a retryable 502', () => {
    const invalid = geminiHttpError(
      'gemini',
      400,
      JSON.stringify({ error: { code: 400, message: 'Invalid JSON payload.', status: 'INVALID_ARGUMENT' } }),
      {},
    );
    expect(invalid).toMatchObject({ status: 400, retryable: false });
    expect(invalid.message).toBe('gemini returned 400: Invalid JSON payload. (INVALID_ARGUMENT)');
    expect(geminiHttpError('gemini', 503, 'upstream connect error', {})).toMatchObject({
      status: 502,
      retryable: true,
      message: 'gemini returned 503: upstream connect error',
    });
    expect(geminiHttpError('gemini', 403, '', {})).toMatchObject({ status: 502, retryable: false, message: 'gemini returned 403: an empty body' });
  });
});

describe('a prompt beyond the context window', () => {
  it('is marked context_length_exceeded', () => {
    const body = JSON.stringify({
      error: {
        code: 400,
        message: 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).',
        status: 'INVALID_ARGUMENT',
      },
    });
    expect(geminiHttpError('gemini', 400, body, {})).toMatchObject({ status: 400, code: 'context_length_exceeded' });
    const other = JSON.stringify({ error: { code: 400, message: 'API key not valid.', status: 'INVALID_ARGUMENT' } });
    expect(geminiHttpError('gemini', 400, other, {})).toMatchObject({ code: 'upstream_rejected_request' });
  });
});
