import { ADMIN_TOKEN_PRINCIPAL } from '@switchyard/shared';
import { authorizeModel, authorizeRequest, authorizeWorkspaceFilter, modelAllowed } from './authorize-request';
import { keyPrincipal } from './__fixtures__/in-memory-verifiers';
import { gatewayEndpoint } from './gateway-endpoints';

describe('authorization at the edge', () => {
  it('allows a model named in the scopes, or begun by a trailing-* entry, and any model without scopes', () => {
    const scopes = { models: ['gpt-4o-mini', 'claude-*', 'openai/gpt-4o'] };
    expect(modelAllowed(scopes, 'gpt-4o-mini')).toBe(true);
    expect(modelAllowed(scopes, 'claude-sonnet-4-5')).toBe(true);
    expect(modelAllowed(scopes, 'openai/gpt-4o')).toBe(true);
    expect(modelAllowed(scopes, 'gpt-4o')).toBe(false);
    expect(modelAllowed(scopes, 'gpt-4o-mini-2024')).toBe(false);
    expect(modelAllowed({}, 'anything')).toBe(true);
    expect(modelAllowed({ models: [] }, 'gpt-4o-mini')).toBe(false);
  });

  it('refuses a model outside the scopes as 403 model_not_allowed naming model', () => {
    expect(() => authorizeModel(keyPrincipal('a', { scopes: { models: ['gpt-4o-mini'] } }), 'gpt-4o')).toThrow(
      expect.objectContaining({ status: 403, code: 'model_not_allowed', param: 'model' }),
    );
  });

  it('refuses an endpoint outside the scopes, and a workspace header the principal may not act for', () => {
    const scoped = keyPrincipal('a', { scopes: { endpoints: ['chat.completions'] } });
    expect(() => authorizeRequest(scoped, 'chat.completions', {})).not.toThrow();
    expect(() => authorizeRequest(scoped, 'usage.read', {})).toThrow(expect.objectContaining({ status: 403, code: 'endpoint_not_allowed' }));
    expect(() => authorizeRequest(keyPrincipal('a'), 'chat.completions', { 'x-switchyard-workspace': 'b' })).toThrow(
      expect.objectContaining({ status: 403, code: 'permission_denied', param: 'x-switchyard-workspace' }),
    );
    expect(() => authorizeRequest(ADMIN_TOKEN_PRINCIPAL, 'chat.completions', { 'x-switchyard-workspace': 'b' })).not.toThrow();
  });

  it("refuses a viewer's key a model call but lets it read records and usage", () => {
    const viewer = keyPrincipal('a', { role: 'viewer' });
    expect(() => authorizeRequest(viewer, 'chat.completions', {})).toThrow(expect.objectContaining({ status: 403, code: 'permission_denied' }));
    expect(() => authorizeRequest(viewer, 'embeddings', {})).toThrow(expect.objectContaining({ status: 403 }));
    expect(() => authorizeRequest(viewer, 'messages', {})).toThrow(expect.objectContaining({ status: 403, code: 'permission_denied' }));
    expect(() => authorizeRequest(keyPrincipal('a', { role: 'developer' }), 'messages', {})).not.toThrow();
    expect(() => authorizeRequest(viewer, 'requests.read', {})).not.toThrow();
    expect(() => authorizeRequest(viewer, 'usage.read', {})).not.toThrow();
    expect(() => authorizeRequest(keyPrincipal('a', { role: 'developer' }), 'chat.completions', {})).not.toThrow();
  });

  it('names POST /v1/audio/transcriptions audio.transcriptions, an endpoint keys are scoped to like embeddings', () => {
    const endpoint = gatewayEndpoint('POST', '/v1/audio/transcriptions', true);
    expect(endpoint).toBe('audio.transcriptions');
    const transcribing = keyPrincipal('a', { scopes: { endpoints: ['audio.transcriptions'] } });
    expect(() => authorizeRequest(transcribing, endpoint!, {})).not.toThrow();
    expect(() => authorizeRequest(transcribing, 'embeddings', {})).toThrow(expect.objectContaining({ status: 403, code: 'endpoint_not_allowed' }));
    const embedding = keyPrincipal('a', { scopes: { endpoints: ['embeddings'] } });
    expect(() => authorizeRequest(embedding, endpoint!, {})).toThrow(expect.objectContaining({ status: 403, code: 'endpoint_not_allowed' }));
    expect(() => authorizeRequest(keyPrincipal('a', { role: 'viewer' }), endpoint!, {})).toThrow(
      expect.objectContaining({ status: 403, code: 'permission_denied' }),
    );
  });

  it('refuses a workspace filter outside the readable workspaces', () => {
    expect(() => authorizeWorkspaceFilter(keyPrincipal('a'), 'a')).not.toThrow();
    expect(() => authorizeWorkspaceFilter(keyPrincipal('a'), undefined)).not.toThrow();
    expect(() => authorizeWorkspaceFilter(keyPrincipal('a'), 'b')).toThrow(expect.objectContaining({ status: 403, param: 'workspace' }));
  });
});
