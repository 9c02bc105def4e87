import {
  GatewayError,
  type ExperimentAssigner,
  type ExperimentAssignment,
  type ExperimentSubject,
  type Logger,
  type PromptReference,
  type PromptResolver,
  type ResolvedPrompt,
} from '@switchyard/shared';
import type { PromptChange, PromptChangeBus } from './prompt-change-bus';
import { checkPromptLabel, checkPromptName } from './prompt-names';
import type { PromptStore, StoredPromptVersion } from './prompt-store';
import { CompiledTemplate } from './prompt-template';
import { bindVariables } from './prompt-variables';

/** The label a reference without label or version means. */
export const DEFAULT_PROMPT_LABEL = 'production';

export interface PromptCacheOptions {
  /** Most entries kept; the longest since read from the database go first. Default 10,000. */
  maxEntries?: number;
  /** How long an entry is served without asking the database; default 30 s. */
  ttlMs?: number;
  /** After the TTL, how long an entry is still served while it is refreshed in the background; default 5 min. */
  staleMs?: number;
}

export interface StoredPromptResolverOptions {
  /** Label moves from this process and the others; each drops the moved prompt from the cache. */
  changes?: PromptChangeBus;
  cache?: PromptCacheOptions;
  /** Picks the arm of a running A/B test for references by label. */
  experiments?: ExperimentAssigner;
  logger?: Logger;
  now?: () => number;
}

interface CachedVersion {
  stored: StoredPromptVersion;
  template: CompiledTemplate;
}

interface Entry {
  value: CachedVersion;
  fetchedAt: number;
}

/**
 * Resolves prompt references from the store through an in-process cache
 * with stale-while-revalidate: a fresh entry is a Map lookup; a stale one is
 * served while one read refreshes it; a label move (here or, over Redis,
 * anywhere) drops the prompt's entries at once. A generation number keeps a
 * read that started before a drop from putting its answer back after it.
 */
export class StoredPromptResolver implements PromptResolver {
  private readonly entries = new Map<string, Entry>();
  private readonly refreshing = new Map<string, Promise<CachedVersion | undefined>>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly staleMs: number;
  private readonly now: () => number;
  private generation = 0;
  private readonly unsubscribe?: () => void;

  constructor(
    private readonly store: PromptStore,
    private readonly options: StoredPromptResolverOptions = {},
  ) {
    this.maxEntries = options.cache?.maxEntries ?? 10_000;
    this.ttlMs = options.cache?.ttlMs ?? 30_000;
    this.staleMs = options.cache?.staleMs ?? 300_000;
    this.now = options.now ?? Date.now;
    this.unsubscribe = options.changes?.subscribe(
      (change) => this.forget(change),
      () => this.forgetAll(),
    );
  }

  async resolve(workspace: string, reference: PromptReference, subject: ExperimentSubject): Promise<ResolvedPrompt> {
    const name = checkPromptName(reference.name, 'prompt.name');
    const label = reference.version === undefined ? checkPromptLabel(reference.label ?? DEFAULT_PROMPT_LABEL, 'prompt.label') : undefined;
    let version = reference.version;
    // An A/B test picks among versions only where the caller did not pin one.
    const experiment: ExperimentAssignment | undefined =
      version === undefined ? this.options.experiments?.assign(workspace, { prompt: name }, subject) : undefined;
    if (experiment?.promptVersion !== undefined) version = experiment.promptVersion;
    const found = await this.lookup(workspace, name, version === undefined ? { label: label as string } : { version });
    if (found === undefined) throw await this.notFound(workspace, name, version === undefined ? { label: label as string } : { version });
    const values = bindVariables(name, found.stored.variables, reference.variables);
    const config = experiment?.model === undefined ? found.stored.config : { ...found.stored.config, model: experiment.model };
    return {
      name,
      version: found.stored.version,
      ...(label === undefined ? {} : { label }),
      messages: found.template.render(values),
      config,
      ...(experiment === undefined ? {} : { experiment }),
    };
  }

  /** Drops what the cache holds of one prompt. */
  forget(change: PromptChange): void {
    this.generation += 1;
    const prefix = promptKey(change.workspace, change.name);
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  forgetAll(): void {
    this.generation += 1;
    this.entries.clear();
  }

  close(): void {
    this.unsubscribe?.();
    this.entries.clear();
  }

  private async lookup(workspace: string, name: string, selector: { label: string } | { version: number }): Promise<CachedVersion | undefined> {
    const key = `${promptKey(workspace, name)}${'label' in selector ? `@${selector.label}` : `#${selector.version}`}`;
    const entry = this.entries.get(key);
    const now = this.now();
    if (entry !== undefined && now < entry.fetchedAt + this.ttlMs) return entry.value;
    if (entry !== undefined && now < entry.fetchedAt + this.ttlMs + this.staleMs) {
      this.refresh(key, workspace, name, selector).catch((error: unknown) =>
        this.options.logger?.warn({ err: error, prompt: name }, 'prompt-refresh-failed: serving the cached version'),
      );
      return entry.value;
    }
    return this.refresh(key, workspace, name, selector);
  }

  /** One read per key at a time; its answer is kept unless the prompt changed meanwhile. */
  private refresh(
    key: string,
    workspace: string,
    name: string,
    selector: { label: string } | { version: number },
  ): Promise<CachedVersion | undefined> {
    const running = this.refreshing.get(key);
    if (running) return running;
    const generation = this.generation;
    const read = (async () => {
      const stored =
        'label' in selector
          ? await this.store.getByLabel(workspace, name, selector.label)
          : await this.store.getVersion(workspace, name, selector.version);
      if (stored === undefined) {
        this.entries.delete(key);
        return undefined;
      }
      const value = { stored, template: CompiledTemplate.compile(stored.type, stored.template, stored.variables) };
      if (generation === this.generation) this.keep(key, value);
      return value;
    })();
    this.refreshing.set(key, read);
    return read.finally(() => this.refreshing.delete(key));
  }

  private keep(key: string, value: CachedVersion): void {
    this.entries.delete(key);
    this.entries.set(key, { value, fetchedAt: this.now() });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  private async notFound(workspace: string, name: string, selector: { label: string } | { version: number }): Promise<GatewayError> {
    const exists = await this.store.exists(workspace, name);
    const message = !exists
      ? `The prompt \`${name}\` does not exist in workspace \`${workspace}\`.`
      : 'label' in selector
        ? `The prompt \`${name}\` has no label \`${selector.label}\`.`
        : `The prompt \`${name}\` has no version ${selector.version}.`;
    return new GatewayError(message, {
      status: 404,
      errorClass: 'not_found',
      param: !exists ? 'prompt.name' : 'label' in selector ? 'prompt.label' : 'prompt.version',
      code: !exists ? 'prompt_not_found' : 'label' in selector ? 'prompt_label_not_found' : 'prompt_version_not_found',
    });
  }
}

function promptKey(workspace: string, name: string): string {
  return `${workspace}\u0000${name}\u0000`;
}
