import { parseScopes, scopeAllowsEndpoint, scopeAllowsModel } from './key-scopes';

describe('key scopes', () => {
  it('allow everything when a list is absent and nothing when it is empty', () => {
    expect(scopeAllowsModel({}, 'gpt-4o')).toBe(true);
    expect(scopeAllowsEndpoint({}, 'embeddings')).toBe(true);
    expect(scopeAllowsModel({ models: [] }, 'gpt-4o')).toBe(false);
    expect(scopeAllowsEndpoint({ endpoints: [] }, 'embeddings')).toBe(false);
  });

  it('match names, provider/model and trailing * patterns', () => {
    const scopes = { models: ['gpt-4o-mini', 'anthropic/*', 'claude-3-5*'] };
    expect(scopeAllowsModel(scopes, 'gpt-4o-mini')).toBe(true);
    expect(scopeAllowsModel(scopes, 'gpt-4o')).toBe(false);
    expect(scopeAllowsModel(scopes, 'anthropic/claude-sonnet-4')).toBe(true);
    expect(scopeAllowsModel(scopes, 'claude-sonnet-4', 'anthropic')).toBe(true);
    expect(scopeAllowsModel(scopes, 'claude-sonnet-4', 'openai')).toBe(false);
    expect(scopeAllowsModel(scopes, 'claude-3-5-haiku')).toBe(true);
    expect(scopeAllowsEndpoint({ endpoints: ['chat.*'] }, 'chat.completions')).toBe(true);
    expect(scopeAllowsEndpoint({ endpoints: ['chat.*'] }, 'embeddings')).toBe(false);
  });

  it('parse request bodies, naming the bad field', () => {
    expect(parseScopes(undefined)).toEqual({});
    expect(parseScopes({ models: ['openai/*'], endpoints: ['embeddings'] })).toEqual({ models: ['openai/*'], endpoints: ['embeddings'] });
    expect(() => parseScopes({ routes: [] })).toThrow(expect.objectContaining({ status: 400, param: 'scopes.routes' }));
    expect(() => parseScopes({ models: 'gpt-4o' })).toThrow(expect.objectContaining({ param: 'scopes.models' }));
    expect(() => parseScopes({ models: ["gpt'; DROP TABLE api_keys;--"] })).toThrow(expect.objectContaining({ param: 'scopes.models' }));
    expect(() => parseScopes([])).toThrow(expect.objectContaining({ param: 'scopes' }));
  });
});
