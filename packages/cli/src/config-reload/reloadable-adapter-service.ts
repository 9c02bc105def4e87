import { LocalProviderAdapterService, UpstreamClient } from '@switchyard/provider-adapters';
import type {
  CallContext,
  ChatRequest,
  ChatResponse,
  Deployment,
  DiscoveredModels,
  DiscoveredModelSource,
  EmbeddingRequest,
  EmbeddingResponse,
  NativeStreamEvent,
  Logger,
  ProviderAdapterService,
  RoutePlan,
  StreamPart,
  SwitchyardConfig,
  TranscriptionRequest,
  TranscriptionResponse,
} from '@switchyard/shared';
import type { ConfigReloadTarget, PreparedReload } from './config-reloader';

export interface ReloadableAdapterServiceOptions {
  logger: Logger;
  /** Where provider keys and credentials are read; process.env unless a test injects another. */
  env?: Record<string, string | undefined>;
}

/**
 * The provider adapters, rebuilt from each reloaded config. A new
 * generation of adapters is built beside the one serving and takes its
 * place; the old one stops asking for model lists at once and is dropped
 * when the last request holding it ends. The connection pool is one for
 * every generation (kept warm across reloads; an adapter owns no
 * connection of its own), so an old generation has nothing left to close
 * while its requests finish.
 *
 * A plan resolved before a reload keeps the adapters of its time (`pin`),
 * so a request finishes on the providers it started with even when the
 * reload removed or changed them.
 */
export class ReloadableAdapterService implements ProviderAdapterService, DiscoveredModelSource, ConfigReloadTarget {
  readonly name = 'adapters';
  readonly sections = ['providers', 'modelDiscovery'] as const;
  private readonly http = new UpstreamClient();
  private current: LocalProviderAdapterService;
  /** Deployment of a resolved plan → the adapters serving when it was resolved. */
  private readonly pinned = new WeakMap<Deployment, LocalProviderAdapterService>();
  private announced: DiscoveredModels = { version: 0, providers: {} };
  private readonly listeners = new Set<(models: DiscoveredModels) => void>();
  private unsubscribe: () => void;
  private discoveryStarted = false;

  constructor(
    config: SwitchyardConfig,
    private readonly options: ReloadableAdapterServiceOptions,
  ) {
    this.current = this.build(config);
    this.unsubscribe = this.follow(this.current, config);
  }

  /** Runs each of the plan's deployments on the adapters serving now, whatever reload comes before they are called. */
  pin(plan: RoutePlan): void {
    for (const attempt of plan.attempts) this.pinned.set(attempt.deployment, this.current);
  }

  complete(deployment: Deployment, request: ChatRequest, context: CallContext): Promise<ChatResponse> {
    return this.serving(deployment).complete(deployment, request, context);
  }

  stream(deployment: Deployment, request: ChatRequest, context: CallContext): Promise<AsyncIterable<StreamPart>> {
    return this.serving(deployment).stream(deployment, request, context);
  }

  embed(deployment: Deployment, request: EmbeddingRequest, context: CallContext): Promise<EmbeddingResponse> {
    return this.serving(deployment).embed(deployment, request, context);
  }

  transcribe(deployment: Deployment, request: TranscriptionRequest, context: CallContext): Promise<TranscriptionResponse> {
    return this.serving(deployment).transcribe(deployment, request, context);
  }

  respond(deployment: Deployment, body: Record<string, unknown>, context: CallContext): Promise<Record<string, unknown>> {
    return this.serving(deployment).respond(deployment, body, context);
  }

  streamRespond(deployment: Deployment, body: Record<string, unknown>, context: CallContext): Promise<AsyncIterable<NativeStreamEvent>> {
    return this.serving(deployment).streamRespond(deployment, body, context);
  }

  /** The current generation's key pools (rate-limit state per provider key), for an attempt gate. */
  get keyPools(): LocalProviderAdapterService['keyPools'] {
    return this.current.keyPools;
  }

  /** Asks the providers configured without `models` for their lists, now and after each reload. */
  startModelDiscovery(): Promise<void> {
    this.discoveryStarted = true;
    return this.current.startModelDiscovery();
  }

  /**
   * The lists known now, with a version that only grows across reloads (a
   * new generation's discovery starts its own count at zero). A provider
   * keeps its last list until the new generation has asked it again.
   */
  discoveredModels(_context?: CallContext): Promise<DiscoveredModels> {
    return Promise.resolve(this.announced);
  }

  /** Called with the lists after each change; returns the unsubscribe. */
  onDiscoveredModels(listener: (models: DiscoveredModels) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  prepare(config: SwitchyardConfig): PreparedReload {
    const next = this.build(config);
    return {
      commit: () => {
        const previous = this.current;
        this.unsubscribe();
        this.current = next;
        this.unsubscribe = this.follow(next, config);
        // The old generation's lists are the old config's business; its requests need no discovery.
        previous.modelDiscovery.close();
        if (this.discoveryStarted) void next.startModelDiscovery();
      },
    };
  }

  async close(): Promise<void> {
    this.unsubscribe();
    this.current.modelDiscovery.close();
    this.listeners.clear();
    await this.http.close();
  }

  private serving(deployment: Deployment): LocalProviderAdapterService {
    return this.pinned.get(deployment) ?? this.current;
  }

  private build(config: SwitchyardConfig): LocalProviderAdapterService {
    return new LocalProviderAdapterService(config, { http: this.http, logger: this.options.logger, env: this.options.env });
  }

  /** Passes on a generation's list changes, keeping only the lists of providers it has. */
  private follow(adapters: LocalProviderAdapterService, config: SwitchyardConfig): () => void {
    const providerIds = new Set(Object.keys(config.providers));
    return adapters.modelDiscovery.onChange((models) => {
      const providers: Record<string, readonly string[]> = {};
      for (const [providerId, list] of Object.entries(this.announced.providers)) if (providerIds.has(providerId)) providers[providerId] = list;
      Object.assign(providers, models.providers);
      this.announced = { version: this.announced.version + 1, providers };
      for (const listener of this.listeners) listener(this.announced);
    });
  }
}
