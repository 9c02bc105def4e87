import type { ProviderConfig } from '../config/config-schema';

/** OpenAI-compatible presets whose servers answer OpenAI's Responses API (`POST /responses`). */
const RESPONSES_API_PRESETS: ReadonlySet<string> = new Set(['xai']);

/**
 * Whether a provider speaks OpenAI's Responses API, so that `/v1/responses`
 * is passed through to it unchanged instead of translated: `responsesApi`
 * when set; otherwise OpenAI itself (no preset, no base URL of its own) and
 * the presets known to, and Azure OpenAI (its v1 API). Any other
 * OpenAI-compatible server says so with `responsesApi: true`.
 */
export function speaksResponsesApi(provider: ProviderConfig | undefined): boolean {
  if (provider?.kind === 'azure') return provider.responsesApi ?? true;
  if (provider?.kind !== 'openai') return false;
  if (provider.responsesApi !== undefined) return provider.responsesApi;
  return provider.preset === undefined ? provider.baseUrl === undefined : RESPONSES_API_PRESETS.has(provider.preset);
}
