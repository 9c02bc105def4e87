import type { ProviderKind } from '../config/config-schema';

/**
 * How a provider's credential travels: `bearer` is `Authorization: Bearer
 * <key>`; a header name carries the key as it is; `optional-bearer` is a
 * local server that needs a key only when it was started with one;
 * `aws-sigv4` and `google-oauth` are signed or exchanged credentials.
 */
export type ProviderAuthScheme = 'bearer' | 'optional-bearer' | 'x-api-key' | 'api-key' | 'x-goog-api-key' | 'aws-sigv4' | 'google-oauth';

/** The environment variables a provider is enabled and configured by when there is no config file. */
export interface ProviderEnvironment {
  /** The API key, first one set wins; setting one enables the provider. */
  apiKey?: readonly string[];
  /** Overrides the default base URL; for keyless local servers, setting it enables the provider. */
  baseUrl?: string;
  /** Needed as well before the provider is enabled (an account id, a project, a region). */
  required?: readonly string[];
}

/**
 * Differences of an OpenAI-compatible server from OpenAI's own Chat
 * Completions API, applied by the one OpenAI adapter.
 */
export interface OpenAICompatibleQuirks {
  /**
   * Which field carries the output limit: OpenAI's own rule (`max_completion_tokens`
   * for its reasoning models, `max_tokens` otherwise), or always one name.
   * Default `max_tokens`, which every compatible server knows.
   */
  maxTokensField?: 'openai-rule' | 'max_tokens' | 'max_completion_tokens';
  /**
   * Top-level request fields the server answers 400 to (documented): a
   * request carrying one is refused by name, or has it dropped when allowed.
   */
  unsupportedParams?: readonly string[];
  /** Where the server puts the model's reasoning in messages and deltas (both are read; this one first). */
  reasoningField?: 'reasoning_content' | 'reasoning';
  /** Whether `stream_options: {include_usage: true}` is sent with streams (default true). */
  streamUsage?: boolean;
  /** Prepended to a model name that has no `/` (Fireworks' `accounts/fireworks/models/`). */
  modelPrefix?: string;
}

/** One provider Switchyard knows by name: its wire format, defaults and capabilities. */
export interface ProviderDescriptor {
  /** The provider id of zero-config, and the `preset` name of an OpenAI-compatible one. */
  id: string;
  name: string;
  /** The adapter that speaks to it. */
  wire: ProviderKind;
  /** `{NAME}` stands for the value of that environment variable. */
  baseUrl: string;
  auth: ProviderAuthScheme;
  env: ProviderEnvironment;
  streaming: boolean;
  tools: boolean;
  vision: boolean;
  embeddings: boolean;
  /** Runs on the user's own machine; no key needed. */
  local?: boolean;
  /** The provider's documentation page its defaults were taken from. */
  docs: string;
  quirks?: OpenAICompatibleQuirks;
}

/** What `switchyard providers --json` prints for each provider. */
export interface ProviderSummary {
  id: string;
  name: string;
  wire: ProviderKind;
  envVars: string[];
  baseUrl: string;
  streaming: boolean;
  tools: boolean;
  vision: boolean;
  embeddings: boolean;
  auth: ProviderAuthScheme;
  docs: string;
}
