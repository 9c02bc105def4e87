import { providerKinds } from '../config/config-schema';
import { findProviderDescriptor, OPENAI_PRESET_IDS, resolveBaseUrlTemplate, summarizeProvider } from './provider-catalog';
import { PROVIDER_DESCRIPTORS } from './provider-descriptors';

describe('the provider descriptors', () => {
  it('name at least 40 providers, each id once, every wire format among them', () => {
    expect(PROVIDER_DESCRIPTORS.length).toBeGreaterThanOrEqual(40);
    const ids = PROVIDER_DESCRIPTORS.map((descriptor) => descriptor.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const kind of providerKinds) expect(PROVIDER_DESCRIPTORS.some((descriptor) => descriptor.wire === kind)).toBe(true);
    expect(OPENAI_PRESET_IDS).toEqual(expect.arrayContaining(['openai', 'groq', 'deepseek', 'xai', 'ollama', 'vllm', 'lmstudio', 'llamacpp']));
    expect(OPENAI_PRESET_IDS).not.toContain('anthropic');
  });

  it.each(PROVIDER_DESCRIPTORS.map((descriptor) => [descriptor.id, descriptor] as const))(
    '%s has a documentation page, a base URL, and a way to be enabled from the environment',
    (_, descriptor) => {
      expect(descriptor.docs).toMatch(/^https:\/\//);
      // Every {NAME} in the template filled, the result is a URL with no trailing slash.
      const filled = resolveBaseUrlTemplate(
        descriptor.baseUrl,
        new Proxy({}, { get: (_target, name) => (name === 'AZURE_OPENAI_ENDPOINT' ? 'https://r.openai.azure.com' : 'x1') }),
      );
      expect(() => new URL(filled!)).not.toThrow();
      expect(descriptor.baseUrl).not.toMatch(/\/$/);
      expect(descriptor.env.apiKey?.length || descriptor.env.baseUrl).toBeTruthy();
      for (const name of summarizeProvider(descriptor).envVars) expect(name).toMatch(/^[A-Z][A-Z0-9_]*$/);
      // Keyless servers are the local ones, and only they.
      expect(descriptor.auth === 'optional-bearer').toBe(descriptor.local === true);
      if (descriptor.quirks) expect(descriptor.wire).toBe('openai');
    },
  );

  it('finds a descriptor by id, and resolves a template only when every variable is set', () => {
    expect(findProviderDescriptor('groq')).toMatchObject({
      baseUrl: 'https://api.groq.com/openai/v1',
      auth: 'bearer',
      env: { apiKey: ['GROQ_API_KEY'] },
    });
    expect(findProviderDescriptor('nope')).toBeUndefined();
    const cloudflare = findProviderDescriptor('cloudflare')!.baseUrl;
    expect(resolveBaseUrlTemplate(cloudflare, {})).toBeUndefined();
    expect(resolveBaseUrlTemplate(cloudflare, { CLOUDFLARE_ACCOUNT_ID: 'a1' })).toBe('https://api.cloudflare.com/client/v4/accounts/a1/ai/v1');
  });

  it('summarises a provider as `switchyard providers --json` prints it', () => {
    expect(summarizeProvider(findProviderDescriptor('cloudflare')!)).toEqual({
      id: 'cloudflare',
      name: 'Cloudflare Workers AI',
      wire: 'openai',
      envVars: ['CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_API_KEY', 'CLOUDFLARE_ACCOUNT_ID', 'CLOUDFLARE_BASE_URL'],
      baseUrl: 'https://api.cloudflare.com/client/v4/accounts/{CLOUDFLARE_ACCOUNT_ID}/ai/v1',
      streaming: true,
      tools: true,
      vision: true,
      embeddings: true,
      auth: 'bearer',
      docs: 'https://developers.cloudflare.com/workers-ai/configuration/open-ai-compatibility/',
    });
  });
});
