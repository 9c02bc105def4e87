import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, ENV_REFERENCE, type ProviderConfig, type SwitchyardConfig } from './config-schema';
import { resolveBaseUrlTemplate } from '../providers/provider-catalog';
import type { ProviderDescriptor } from '../providers/provider-descriptor';
import { PROVIDER_DESCRIPTORS } from '../providers/provider-descriptors';
import { ADMIN_TOKEN_VARIABLE, edgeExposureProblems } from './edge-exposure';
import { cacheModes } from './cache-config';
import { withTelemetryEnabled } from './telemetry-config';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  config: SwitchyardConfig;
  /** Where the providers came from: a file path, or `environment`. */
  source: string;
}

type Environment = Record<string, string | undefined>;

/** What a process runs; it checks only the secrets that it uses. */
export type ConfigRole = 'all' | 'gateway' | 'router' | 'adapters' | 'observability' | 'semantic' | 'edge-ingest';

/**
 * The secrets each role reads: provider keys and headers live only in the
 * adapters (and the one process that holds them), the records' connection
 * secrets only in the observability service (and the one process). The
 * distributed gateway, the router and the semantic service read none.
 */
const SECRETS_USED: Record<ConfigRole, { providers: boolean; records: boolean }> = {
  all: { providers: true, records: true },
  gateway: { providers: false, records: false },
  router: { providers: false, records: false },
  adapters: { providers: true, records: false },
  observability: { providers: false, records: true },
  semantic: { providers: false, records: false },
  'edge-ingest': { providers: false, records: false },
};

export interface LoadConfigOptions {
  /** Default `all`: every reference is checked. */
  role?: ConfigRole;
}

/** Models listed for providers enabled from the environment alone. */
const OPENAI_MODELS = [
  'gpt-4o',
  'gpt-4o-mini',
  'gpt-4.1',
  'gpt-4.1-mini',
  'gpt-4.1-nano',
  'o3',
  'o3-mini',
  'o4-mini',
  'text-embedding-3-small',
  'text-embedding-3-large',
];
const ANTHROPIC_MODELS = ['claude-opus-4-1', 'claude-sonnet-4-5', 'claude-sonnet-4-0', 'claude-3-7-sonnet-latest', 'claude-3-5-haiku-latest'];

/**
 * Loads the configuration: the YAML file at `path` when given, otherwise every
 * provider whose standard environment variable is set. `PORT` overrides the
 * port in either case. Route trees are checked further by the router, which
 * owns them (unknown providers, the number of targets each strategy takes).
 * Every environment variable that a secret of `options.role` refers to
 * must be set; the others' are not looked at.
 */
export function loadConfig(path: string | undefined, env: Environment = process.env, options: LoadConfigOptions = {}): LoadedConfig {
  let raw: unknown;
  let source: string;
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
    }
    try {
      raw = parseYaml(text) ?? {};
    } catch (error) {
      throw new ConfigError(`config file ${path} is not valid YAML: ${(error as Error).message}`);
    }
    source = path;
  } else {
    raw = { providers: providersFromEnvironment(env) };
    source = 'environment';
  }
  if (typeof raw === 'object' && raw !== null) raw = withEnvironmentOverrides(raw as Record<string, unknown>, env);
  if (typeof raw === 'object' && raw !== null) raw = withCacheMode(raw as Record<string, unknown>, env);
  if (typeof raw === 'object' && raw !== null) raw = withTelemetryEnabled(raw as Record<string, unknown>, env, (message) => new ConfigError(message));
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`invalid config (${source}):\n${formatIssues(parsed.error.issues)}`);
  checkReferences(parsed.data, env, SECRETS_USED[options.role ?? 'all']);
  const role = options.role ?? 'all';
  if (role === 'all' || role === 'gateway') {
    // Only the processes that serve the HTTP API are exposed at server.host.
    const problems = edgeExposureProblems(parsed.data, env[ADMIN_TOKEN_VARIABLE]);
    if (problems.length > 0) throw new ConfigError(`invalid config (${source}):\n${problems.join('\n')}`);
  }
  return { config: parsed.data, source };
}

/**
 * Settings that the environment overrides whatever the file says (12-factor
 * style): PORT, and where events and records go. Connection URLs are kept as
 * `${NAME}` references, so a printed config never shows their passwords.
 */
function withEnvironmentOverrides(raw: Record<string, unknown>, env: Environment): Record<string, unknown> {
  const section = (name: string) => ({ ...((raw[name] ?? {}) as Record<string, unknown>) });
  const server = section('server');
  const events = section('events');
  const observability = section('observability');
  if (env.PORT !== undefined) {
    const port = Number(env.PORT);
    if (!Number.isInteger(port)) throw new ConfigError(`PORT must be a whole number, got "${env.PORT}"`);
    server.port = port;
  }
  if (env.SWITCHYARD_KAFKA_BROKERS) {
    const kafka = (events.kafka ?? {}) as Record<string, unknown>;
    events.kafka = { ...kafka, brokers: splitList(env.SWITCHYARD_KAFKA_BROKERS) };
  }
  if (env.SWITCHYARD_SPOOL_DIR) events.spoolDirectory = env.SWITCHYARD_SPOOL_DIR;
  if (env.SWITCHYARD_POSTGRES_URL) observability.postgresUrl = '${SWITCHYARD_POSTGRES_URL}';
  if (env.SWITCHYARD_DATA_DIR) observability.dataDirectory = env.SWITCHYARD_DATA_DIR;
  if (env.SWITCHYARD_INFLUX_URL) {
    const influx = (observability.influx ?? {}) as Record<string, unknown>;
    observability.influx = {
      ...influx,
      url: env.SWITCHYARD_INFLUX_URL,
      ...(env.SWITCHYARD_INFLUX_DATABASE && { database: env.SWITCHYARD_INFLUX_DATABASE }),
      ...(env.SWITCHYARD_INFLUX_TOKEN && { token: '${SWITCHYARD_INFLUX_TOKEN}' }),
    };
  }
  // TLS between the services: file paths, so they are kept as written.
  const tlsFiles = { ca: env.SWITCHYARD_TLS_CA, cert: env.SWITCHYARD_TLS_CERT, key: env.SWITCHYARD_TLS_KEY };
  const tls = Object.values(tlsFiles).some(Boolean)
    ? { ...section('tls'), ...Object.fromEntries(Object.entries(tlsFiles).filter(([, file]) => file)) }
    : raw.tls;
  // Downloaded embedding models belong on a volume in a container; only the `download` embedder keeps any.
  const embedder = raw.embedder as Record<string, unknown> | undefined;
  const modelCache =
    env.SWITCHYARD_MODEL_CACHE_DIR && embedder?.kind === 'download'
      ? { embedder: { ...embedder, cacheDirectory: env.SWITCHYARD_MODEL_CACHE_DIR } }
      : {};
  return { ...raw, server, events, observability, ...(tls !== undefined && { tls }), ...modelCache };
}

/** `SWITCHYARD_CACHE_MODE` turns the response cache on (or off) whatever the file says: zero-config caching. */
function withCacheMode(raw: Record<string, unknown>, env: Environment): Record<string, unknown> {
  const mode = env.SWITCHYARD_CACHE_MODE;
  if (mode === undefined || mode === '') return raw;
  if (!(cacheModes as readonly string[]).includes(mode)) {
    throw new ConfigError(`SWITCHYARD_CACHE_MODE must be one of ${cacheModes.join(', ')}, got "${mode}"`);
  }
  return { ...raw, cache: { ...((raw.cache ?? {}) as Record<string, unknown>), mode } };
}

/**
 * Every provider whose standard environment variable is set (the
 * descriptors in `packages/shared/src/providers` name them), in the
 * descriptors' order. Keys are kept as `${NAME}` references.
 */
function providersFromEnvironment(env: Environment): Record<string, unknown> {
  const providers: Record<string, unknown> = {};
  for (const descriptor of PROVIDER_DESCRIPTORS) {
    const provider = providerFromEnvironment(descriptor, env);
    if (provider) providers[descriptor.id] = provider;
  }
  return providers;
}

function providerFromEnvironment(descriptor: ProviderDescriptor, env: Environment): Record<string, unknown> | undefined {
  const keyVariable = descriptor.env.apiKey?.find((name) => env[name]);
  const apiKey = keyVariable ? { apiKey: `\${${keyVariable}}` } : {};
  const baseUrlValue = descriptor.env.baseUrl ? env[descriptor.env.baseUrl] : undefined;
  if (descriptor.env.required?.some((name) => !env[name])) return undefined;
  switch (descriptor.wire) {
    case 'openai': {
      if (descriptor.id === 'openai') {
        if (!env.OPENAI_API_KEY && !env.OPENAI_BASE_URL) return undefined;
        return {
          kind: 'openai',
          ...(env.OPENAI_BASE_URL ? { baseUrl: env.OPENAI_BASE_URL } : {}),
          ...apiKey,
          // Another server than OpenAI's (Ollama, vLLM, ...) serves its own models: without a list, they are discovered from it.
          ...(env.OPENAI_MODELS ? { models: splitList(env.OPENAI_MODELS) } : env.OPENAI_BASE_URL ? {} : { models: [...OPENAI_MODELS, '*'] }),
        };
      }
      // A hosted preset needs its key; a local server is enabled by its address alone.
      if (!keyVariable && !(descriptor.local && baseUrlValue)) return undefined;
      const baseUrl = baseUrlValue
        ? descriptor.id === 'ollama'
          ? ollamaBaseUrl(baseUrlValue)
          : baseUrlValue
        : /\{[A-Z0-9_]+\}/.test(descriptor.baseUrl)
          ? resolveBaseUrlTemplate(descriptor.baseUrl, env)
          : undefined;
      return { kind: 'openai', preset: descriptor.id, ...(baseUrl ? { baseUrl } : {}), ...apiKey };
    }
    case 'anthropic':
      if (!keyVariable) return undefined;
      return {
        kind: 'anthropic',
        ...(baseUrlValue ? { baseUrl: withVersionPath(baseUrlValue) } : {}),
        ...apiKey,
        models: env.ANTHROPIC_MODELS ? splitList(env.ANTHROPIC_MODELS) : [...ANTHROPIC_MODELS, 'claude-*'],
      };
    case 'azure':
      if (!keyVariable) return undefined;
      return {
        kind: 'azure',
        baseUrl: env.AZURE_OPENAI_ENDPOINT,
        ...apiKey,
        // The variable Azure's own SDKs read.
        ...(env.OPENAI_API_VERSION ? { apiVersion: env.OPENAI_API_VERSION } : {}),
      };
    case 'bedrock': {
      // A Bedrock API key, or the standard credential chain's static keys.
      const bearer = env.AWS_BEARER_TOKEN_BEDROCK ? { apiKey: '${AWS_BEARER_TOKEN_BEDROCK}' } : undefined;
      if (!bearer && !(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY)) return undefined;
      return { kind: 'bedrock', region: env.AWS_REGION, ...bearer };
    }
    case 'vertex':
      if (!keyVariable) return undefined;
      return {
        kind: 'vertex',
        project: env.GOOGLE_CLOUD_PROJECT,
        ...(env.GOOGLE_CLOUD_LOCATION ? { location: env.GOOGLE_CLOUD_LOCATION } : {}),
      };
    case 'gemini':
    case 'cohere':
    case 'mistral':
      if (!keyVariable) return undefined;
      return { kind: descriptor.wire, ...(baseUrlValue ? { baseUrl: baseUrlValue } : {}), ...apiKey };
  }
}

/** `OLLAMA_HOST` as the ollama CLI reads it (`0.0.0.0`, `host:port`, a URL) → the OpenAI-compatible API root. */
function ollamaBaseUrl(host: string): string {
  const trimmed = host.trim().replace(/\/+$/, '');
  let url = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  // Without a port, the CLI's default one.
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/]*:\d+/i.test(url)) url = url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/]*)/i, '$1:11434');
  return /\/v1$/.test(url) ? url : `${url}/v1`;
}

/** `ANTHROPIC_BASE_URL` is a host without `/v1` (as Anthropic's SDKs read it); the adapter wants the API root. */
function withVersionPath(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return /\/v1$/.test(trimmed) ? trimmed : `${trimmed}/v1`;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => `  - ${formatPath(issue.path)}: ${issue.message}`).join('\n');
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.map((key, position) => (typeof key === 'number' ? `[${key}]` : position === 0 ? String(key) : `.${String(key)}`)).join('');
}

function checkReferences(config: SwitchyardConfig, env: Environment, used: { providers: boolean; records: boolean }): void {
  const problems: string[] = [];
  for (const [id, provider] of used.providers ? Object.entries(config.providers) : []) {
    const name = provider.apiKey?.match(ENV_REFERENCE)?.[1];
    if (name && !env[name]) problems.push(`  - providers.${id}.apiKey: environment variable ${name} is not set`);
    for (const [index, key] of (provider.apiKeys ?? []).entries()) {
      const keyName = key.match(ENV_REFERENCE)?.[1];
      if (keyName && !env[keyName]) problems.push(`  - providers.${id}.apiKeys[${index}]: environment variable ${keyName} is not set`);
    }
    for (const [header, value] of Object.entries(provider.headers)) {
      for (const match of value.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
        if (!env[match[1]]) problems.push(`  - providers.${id}.headers.${header}: environment variable ${match[1]} is not set`);
      }
    }
  }
  const recordSecrets = [
    ['observability.postgresUrl', config.observability.postgresUrl],
    ['observability.influx.token', config.observability.influx?.token],
    ['observability.coldStorage.accessKeyId', config.observability.coldStorage?.accessKeyId],
    ['observability.coldStorage.secretAccessKey', config.observability.coldStorage?.secretAccessKey],
  ] as const;
  for (const [path, value] of used.records ? recordSecrets : []) {
    for (const match of value?.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g) ?? []) {
      if (!env[match[1]]) problems.push(`  - ${path}: environment variable ${match[1]} is not set`);
    }
  }
  if (problems.length > 0) throw new ConfigError(`invalid config:\n${problems.join('\n')}`);
}

/** Replaces each `${NAME}` in `value` with the environment variable's value. */
export function resolveSecret(value: string, env: Environment = process.env): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? '');
}

/** The API key of a provider, resolved from the environment; never logged. */
export function providerApiKey(provider: ProviderConfig, env: Environment = process.env): string | undefined {
  return provider.apiKey ? resolveSecret(provider.apiKey, env) : undefined;
}

/** Every API key of a provider (`apiKey`, then `apiKeys`), resolved, without repeats; never logged. */
export function providerApiKeys(provider: ProviderConfig, env: Environment = process.env): string[] {
  const references = [...(provider.apiKey ? [provider.apiKey] : []), ...(provider.apiKeys ?? [])];
  return [...new Set(references.map((reference) => resolveSecret(reference, env)).filter((key) => key !== ''))];
}
