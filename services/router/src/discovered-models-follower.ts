import { randomUUID } from 'node:crypto';
import type { DiscoveredModels, DiscoveredModelSource, Logger } from '@switchyard/shared';

export interface DiscoveredModelsFollowerOptions {
  /** How often the source is asked. */
  intervalMs: number;
  /** How long one ask may take. */
  timeoutMs: number;
  logger: Logger;
}

/**
 * Keeps a router on the adapter service's discovered model lists when the
 * two are apart (distributed mode): asks now and every `intervalMs`, and
 * hands each new version to `apply`. While the adapter service cannot be
 * reached the router keeps the last lists; that is logged once, not at
 * every ask.
 */
export class DiscoveredModelsFollower {
  private timer: NodeJS.Timeout | undefined;
  private readonly closing = new AbortController();
  private asking: Promise<void> | undefined;
  private failing = false;

  constructor(
    private readonly source: DiscoveredModelSource,
    private readonly apply: (models: DiscoveredModels) => void,
    private readonly options: DiscoveredModelsFollowerOptions,
  ) {}

  start(): void {
    if (this.timer !== undefined || this.closing.signal.aborted) return;
    this.timer = setInterval(() => void this.poll(), this.options.intervalMs);
    this.timer.unref();
    void this.poll();
  }

  /** One ask (joined when one is already under way). Never rejects. */
  poll(): Promise<void> {
    this.asking ??= this.ask().finally(() => {
      this.asking = undefined;
    });
    return this.asking;
  }

  close(): void {
    clearInterval(this.timer);
    this.closing.abort();
  }

  private async ask(): Promise<void> {
    const signal = AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.options.timeoutMs)]);
    try {
      const models = await this.source.discoveredModels({ requestId: `discovered-models-${randomUUID()}`, signal });
      if (this.closing.signal.aborted) return;
      if (this.failing) this.options.logger.info({}, 'discovered-models-available');
      this.failing = false;
      this.apply(models);
    } catch (error) {
      if (this.closing.signal.aborted || this.failing) return;
      this.failing = true;
      this.options.logger.warn({ reason: error instanceof Error ? error.message : String(error) }, 'discovered-models-unavailable');
    }
  }
}
