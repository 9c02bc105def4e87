import { findProviderDescriptor, type SwitchyardConfig } from '@switchyard/shared';

/** How the GenAI semantic conventions name a configured provider, and where it is called. */
export interface ProviderIdentity {
  /** `gen_ai.provider.name`: a well-known value (`openai`, `anthropic`, `aws.bedrock`, …) or the preset's id. */
  name: string;
  /** `server.address` and `server.port` of its base URL, when one is known. */
  address?: string;
  port?: number;
}

/** The well-known `gen_ai.provider.name` values, by provider kind or OpenAI-compatible preset. */
const WELL_KNOWN: Record<string, string> = {
  openai: 'openai',
  anthropic: 'anthropic',
  azure: 'azure.ai.openai',
  bedrock: 'aws.bedrock',
  gemini: 'gcp.gemini',
  vertex: 'gcp.vertex_ai',
  cohere: 'cohere',
  mistral: 'mistral_ai',
  groq: 'groq',
  deepseek: 'deepseek',
  perplexity: 'perplexity',
  xai: 'x_ai',
};

/** Each configured provider's identity, by provider id. */
export function providerIdentities(providers: SwitchyardConfig['providers']): Map<string, ProviderIdentity> {
  const identities = new Map<string, ProviderIdentity>();
  for (const [id, provider] of Object.entries(providers)) {
    const preset = 'preset' in provider ? provider.preset : undefined;
    const family = preset ?? provider.kind;
    const name = WELL_KNOWN[family] ?? family;
    const baseUrl = provider.baseUrl ?? findProviderDescriptor(family)?.baseUrl;
    identities.set(id, { name, ...addressOf(baseUrl) });
  }
  return identities;
}

function addressOf(baseUrl: string | undefined): { address?: string; port?: number } {
  // A descriptor's URL may be a template (`https://{region}...`): no address then.
  if (!baseUrl || !URL.canParse(baseUrl)) return {};
  const url = new URL(baseUrl);
  if (url.hostname.includes('{')) return {};
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { address: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

/** `gen_ai.operation.name` of a recorded operation: `chat`, `embeddings`, or the operation's own name. */
export function genAiOperationName(operation: string): string {
  if (operation === 'chat.completion') return 'chat';
  return operation;
}
