import { randomUUID } from 'node:crypto';
import { isGatewayError, type CallContext, type DiscoveredModels, type DiscoveredModelSource, type Logger } from '@switchyard/shared';

/** Asks one provider for its models. */
export type ModelLister = (context: CallContext) => Promise<string[]>;

export interface ModelDiscoveryOptions {
  /** How often each list is asked for again. */
  refreshIntervalMs: number;
  /** How long one ask may take. */
  timeoutMs: number;
  logger: Logger;
}

/**
 * The model lists of the providers configured without `models`, asked of
 * each provider (its `GET /models`) now and every `refreshIntervalMs`.
 * A failed ask keeps the last list and is logged; an empty list is not taken
 * (a server that lists nothing may still serve), so such a provider keeps
 * accepting any model. Listeners hear of every change.
 */
export class ModelDiscovery implements DiscoveredModelSource {
  private readonly lists = new Map<string, readonly string[]>();
  private readonly listeners = new Set<(models: DiscoveredModels) => void>();
  private readonly closing = new AbortController();
  private version = 0;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly listers: ReadonlyMap<string, ModelLister>,
    private readonly options: ModelDiscoveryOptions,
  ) {}

  /** Whether any provider is asked at all. */
  get isEmpty(): boolean {
    return this.listers.size === 0;
  }

  /** Asks every provider now and then periodically; resolves when the first round is over. Idempotent. */
  start(): Promise<void> {
    if (this.isEmpty || this.closing.signal.aborted) return Promise.resolve();
    if (this.timer === undefined) {
      this.timer = setInterval(() => void this.refresh(), this.options.refreshIntervalMs);
      // Discovery never keeps a process alive on its own.
      this.timer.unref();
    }
    return this.refresh();
  }

  /** Asks every provider once (a round already under way is joined, not doubled). */
  refresh(): Promise<void> {
    this.refreshing ??= Promise.all([...this.listers].map(([providerId, list]) => this.ask(providerId, list))).then(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** The lists known now. */
  current(): DiscoveredModels {
    return { version: this.version, providers: Object.fromEntries(this.lists) };
  }

  discoveredModels(_context?: CallContext): Promise<DiscoveredModels> {
    return Promise.resolve(this.current());
  }

  /** Called with the lists after each change; returns the unsubscribe. */
  onChange(listener: (models: DiscoveredModels) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops asking, and cancels the asks under way. */
  close(): void {
    clearInterval(this.timer);
    this.closing.abort();
    this.listeners.clear();
  }

  private async ask(providerId: string, list: ModelLister): Promise<void> {
    const signal = AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.options.timeoutMs)]);
    let models: string[];
    try {
      models = await list({ requestId: `model-discovery-${randomUUID()}`, signal });
    } catch (error) {
      if (this.closing.signal.aborted) return;
      // The provider's error, as scrubbed for clients; never the request's headers.
      const reason = signal.aborted
        ? `no answer within ${this.options.timeoutMs} ms`
        : isGatewayError(error)
          ? error.message
          : error instanceof Error
            ? error.name
            : String(error);
      this.options.logger.warn({ providerId, reason, keptModels: this.lists.get(providerId)?.length ?? 0 }, 'model-discovery-failed');
      return;
    }
    if (this.closing.signal.aborted) return;
    if (models.length === 0) {
      this.options.logger.warn({ providerId }, 'model-discovery-empty');
      return;
    }
    const previous = this.lists.get(providerId);
    if (previous !== undefined && sameList(previous, models)) return;
    this.lists.set(providerId, Object.freeze(models));
    this.version += 1;
    this.options.logger.info({ providerId, models: models.length, version: this.version }, 'models-discovered');
    const current = this.current();
    for (const listener of this.listeners) listener(current);
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((model, index) => model === b[index]);
}
