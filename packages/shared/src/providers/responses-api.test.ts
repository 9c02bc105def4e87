import { configSchema } from '../config/config-schema';
import { speaksResponsesApi } from './responses-api';

const provider = (raw: Record<string, unknown>) => configSchema.parse({ providers: { p: raw } }).providers.p;

describe('speaksResponsesApi', () => {
  it.each([
    [{ kind: 'openai' }, true],
    [{ kind: 'openai', preset: 'xai' }, true],
    [{ kind: 'openai', baseUrl: 'http://127.0.0.1:8000/v1' }, false],
    [{ kind: 'openai', baseUrl: 'http://127.0.0.1:8000/v1', responsesApi: true }, true],
    [{ kind: 'openai', responsesApi: false }, false],
    [{ kind: 'openai', preset: 'groq' }, false],
    [{ kind: 'anthropic' }, false],
  ])('%j: %s', (raw, expected) => {
    expect(speaksResponsesApi(provider(raw))).toBe(expected);
  });

  it('is false for a provider that is not configured', () => {
    expect(speaksResponsesApi(undefined)).toBe(false);
  });
});
