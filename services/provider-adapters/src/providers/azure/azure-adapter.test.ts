import { azureProviderSchema, ConfigError } from '@switchyard/shared';
import { UpstreamClient } from '../../http/upstream-client';
import { createAzureAdapter } from './azure-adapter';
import { azureDeploymentUrl } from './azure-api';

describe('azureDeploymentUrl', () => {
  it('builds the deployment URL of an operation, with the API version', () => {
    expect(azureDeploymentUrl('https://contoso.openai.azure.com/', 'gpt 4o/prod', 'chat/completions', '2024-10-21')).toBe(
      'https://contoso.openai.azure.com/openai/deployments/gpt%204o%2Fprod/chat/completions?api-version=2024-10-21',
    );
    expect(azureDeploymentUrl('https://contoso.openai.azure.com', 'embed', 'embeddings', '2025-01-01-preview')).toBe(
      'https://contoso.openai.azure.com/openai/deployments/embed/embeddings?api-version=2025-01-01-preview',
    );
  });
});

describe('createAzureAdapter', () => {
  const http = new UpstreamClient();
  afterAll(() => http.close());

  const create = (config: Record<string, unknown>, env: Record<string, string> = {}) =>
    createAzureAdapter({ id: 'azure-east', config: azureProviderSchema.parse({ kind: 'azure', ...config }), headers: {}, http, env });

  it('needs the resource URL', () => {
    expect(() => create({})).toThrow(ConfigError);
    expect(() => create({})).toThrow(/providers\.azure-east\.baseUrl: required for kind azure/);
  });

  it('needs the Entra client secret to be set, and names its variable', () => {
    const entra = { tenantId: 't', clientId: 'c', clientSecret: '${AZURE_CLIENT_SECRET}' };
    expect(() => create({ baseUrl: 'https://contoso.openai.azure.com', entra })).toThrow(
      /providers\.azure-east\.entra\.clientSecret: environment variable AZURE_CLIENT_SECRET is not set/,
    );
    expect(create({ baseUrl: 'https://contoso.openai.azure.com', entra }, { AZURE_CLIENT_SECRET: 'secret' }).embed).toBeDefined();
  });
});
