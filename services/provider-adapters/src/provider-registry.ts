import {
  breakersConfigSchema,
  ConfigError,
  configSchema,
  createLogger,
  GatewayError,
  providerApiKeys,
  resolveSecret,
  type CallContext,
  type ChatRequest,
  type ChatResponse,
  type Deployment,
  type DiscoveredModels,
  type DiscoveredModelSource,
  type Logger,
  type EmbeddingRequest,
  type EmbeddingResponse,
  type NativeStreamEvent,
  type ProviderAdapterService,
  type ProviderConfig,
  type ProviderKind,
  type StreamPart,
  type SwitchyardConfig,
  type TranscriptionRequest,
  type TranscriptionResponse,
} from '@switchyard/shared';
import { catalogProviderId, checkDeploymentCapabilities, ModelCatalogData } from './catalog';
import { ModelDiscovery, type ModelLister } from './discovery/model-discovery';
import { UpstreamClient } from './http/upstream-client';
import { createAnthropicAdapter } from './providers/anthropic';
import { createCohereAdapter } from './providers/cohere';
import { createMistralAdapter } from './providers/mistral';
import { createBedrockAdapter } from './providers/bedrock';
import { createAzureAdapter } from './providers/azure';
import { createGeminiAdapter } from './providers/gemini';
import { createOpenAIAdapter } from './providers/openai';
import { createVertexAdapter } from './providers/vertex';
import type { ProviderAdapter, ProviderAdapterFactory, ProviderAdapterOptions } from './providers/provider-adapter';
import { KeyBalancedAdapter, keyObservingClient, KeyPool } from './resilience/keys';

/** One factory per wire format; an OpenAI-compatible vendor is a config preset of `openai`. */
const factories: { [K in ProviderKind]?: ProviderAdapterFactory<K> } = {
  openai: createOpenAIAdapter,
  anthropic: createAnthropicAdapter,
  cohere: createCohereAdapter,
  mistral: createMistralAdapter,
  bedrock: createBedrockAdapter,
  azure: createAzureAdapter,
  gemini: createGeminiAdapter,
  vertex: createVertexAdapter,
};

function createAdapter(id: string, config: ProviderConfig, options: Omit<ProviderAdapterOptions, 'id' | 'config'>): ProviderAdapter {
  const factory = factories[config.kind] as ProviderAdapterFactory | undefined;
  if (!factory) throw new ConfigError(`providers.${id}.kind: no adapter for "${config.kind}" is available`);
  return factory({ id, config, ...options });
}

/**
 * The provider adapter service: holds one adapter per configured provider
 * (and with them the provider secrets) and calls the one a deployment names.
 * It also asks the providers configured without `models` for their lists
 * (`startModelDiscovery`), which the router follows.
 */
export class LocalProviderAdapterService implements ProviderAdapterService, DiscoveredModelSource {
  private readonly adapters = new Map<string, ProviderAdapter>();
  private readonly http: UpstreamClient;
  /** The lists of the providers configured without `models` whose adapter can list them. */
  readonly modelDiscovery: ModelDiscovery;
  /** Provider id → its models' capabilities in the catalog, checked before each call. */
  private readonly catalogIds = new Map<string, string>();
  private readonly catalog: ModelCatalogData;
  /** Provider id → its API keys' rate-limit state, for providers called with a key; the attempt gate reads it. */
  readonly keyPools = new Map<string, KeyPool>();

  constructor(
    config: SwitchyardConfig,
    options: { http?: UpstreamClient; env?: Record<string, string | undefined>; catalog?: ModelCatalogData; logger?: Logger } = {},
  ) {
    this.http = options.http ?? new UpstreamClient();
    this.catalog = options.catalog ?? new ModelCatalogData();
    const env = options.env ?? process.env;
    const listers = new Map<string, ModelLister>();
    // A config built by hand (tests) may leave the section out: the schema's defaults then.
    const { keyCooldownMs } = config.breakers ?? breakersConfigSchema.parse(undefined);
    for (const [id, provider] of Object.entries(config.providers)) {
      this.catalogIds.set(id, catalogProviderId(provider));
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(provider.headers)) headers[name] = resolveSecret(value, env);
      const keys = providerApiKeys(provider, env);
      let adapter: ProviderAdapter;
      if (keys.length === 0) {
        adapter = createAdapter(id, provider, { headers, http: this.http, env });
      } else {
        // One adapter per key, each seeing the shared client through its key, so 429s and rate-limit headers reach the pool.
        const pool = new KeyPool({ size: keys.length, cooldownMs: keyCooldownMs });
        this.keyPools.set(id, pool);
        const perKey = keys.map((apiKey, index) =>
          createAdapter(id, provider, { apiKey, headers, http: keyObservingClient(this.http, pool, index), env }),
        );
        adapter = perKey.length === 1 ? perKey[0] : new KeyBalancedAdapter(perKey, pool);
      }
      this.adapters.set(id, adapter);
      if (provider.models === undefined && adapter.listModels) listers.set(id, adapter.listModels.bind(adapter));
    }
    // A config built by hand (tests) may leave the section out: the schema's defaults then.
    const { refreshIntervalMs, timeoutMs } = config.modelDiscovery ?? configSchema.shape.modelDiscovery.parse(undefined);
    this.modelDiscovery = new ModelDiscovery(listers, { refreshIntervalMs, timeoutMs, logger: options.logger ?? createLogger('provider-adapters') });
  }

  /** Asks the providers for their model lists now and periodically; resolves when the first round is over. */
  startModelDiscovery(): Promise<void> {
    return this.modelDiscovery.start();
  }

  discoveredModels(context: CallContext): Promise<DiscoveredModels> {
    return this.modelDiscovery.discoveredModels(context);
  }

  async complete(deployment: Deployment, request: ChatRequest, context: CallContext): Promise<ChatResponse> {
    const adapter = this.adapter(deployment);
    this.checkCapabilities(deployment, request);
    return adapter.complete(deployment.model, request, context);
  }

  async stream(deployment: Deployment, request: ChatRequest, context: CallContext): Promise<AsyncIterable<StreamPart>> {
    const adapter = this.adapter(deployment);
    this.checkCapabilities(deployment, request);
    return adapter.stream(deployment.model, request, context);
  }

  async embed(deployment: Deployment, request: EmbeddingRequest, context: CallContext): Promise<EmbeddingResponse> {
    const adapter = this.adapter(deployment);
    if (!adapter.embed) {
      throw new GatewayError(`Provider ${deployment.providerId} does not offer embeddings.`, {
        status: 400,
        errorClass: 'invalid_request',
        param: 'model',
        code: 'embeddings_not_supported',
      });
    }
    return adapter.embed(deployment.model, request, context);
  }

  async respond(deployment: Deployment, body: Record<string, unknown>, context: CallContext): Promise<Record<string, unknown>> {
    const adapter = this.adapter(deployment);
    if (!adapter.respond) throw responsesApiNotSpoken(deployment);
    return adapter.respond(deployment.model, body, context);
  }

  async streamRespond(deployment: Deployment, body: Record<string, unknown>, context: CallContext): Promise<AsyncIterable<NativeStreamEvent>> {
    const adapter = this.adapter(deployment);
    if (!adapter.streamRespond) throw responsesApiNotSpoken(deployment);
    return adapter.streamRespond(deployment.model, body, context);
  }

  async transcribe(deployment: Deployment, request: TranscriptionRequest, context: CallContext): Promise<TranscriptionResponse> {
    const adapter = this.adapter(deployment);
    if (!adapter.transcribe) {
      throw new GatewayError(`Provider ${deployment.providerId} does not offer audio transcriptions.`, {
        status: 400,
        errorClass: 'invalid_request',
        param: 'model',
        code: 'transcriptions_not_supported',
      });
    }
    return adapter.transcribe(deployment.model, request, context);
  }

  close(): Promise<void> {
    this.modelDiscovery.close();
    return this.http.close();
  }

  /** A 400 naming the deployment and the capability when the catalog says its model lacks one the request needs. */
  private checkCapabilities(deployment: Deployment, request: ChatRequest): void {
    const catalogId = this.catalogIds.get(deployment.providerId);
    if (catalogId) checkDeploymentCapabilities(deployment, request, this.catalog.modelInfo(catalogId, deployment.model));
  }

  private adapter(deployment: Deployment): ProviderAdapter {
    const adapter = this.adapters.get(deployment.providerId);
    if (!adapter) {
      throw new GatewayError(`No provider "${deployment.providerId}" is configured in the adapter service.`, {
        status: 502,
        errorClass: 'internal',
        code: 'unknown_provider',
      });
    }
    return adapter;
  }
}

/** The gateway passes a Responses body only to providers that speak the API: reaching here is a config mismatch. */
function responsesApiNotSpoken(deployment: Deployment): GatewayError {
  return new GatewayError(`Provider ${deployment.providerId} does not speak the Responses API.`, {
    status: 400,
    errorClass: 'invalid_request',
    param: 'model',
    code: 'responses_api_not_supported',
  });
}
