import {
  isGatewayError,
  permissionDenied,
  type BeforeOutcome,
  type CacheConfig,
  type ChatResponse,
  type GatewayPlugin,
  type Logger,
  type PluginContext,
  type PluginEndpoint,
  type ResponseOutcome,
} from '@switchyard/shared';
import { exactKey, promptText, semanticScope } from './cache-key';
import { isCacheable, type CachedAnswer } from './cached-answer';
import {
  CACHE_HEADER,
  CACHE_SIMILARITY_HEADER,
  checkNamespace,
  modesInUse,
  requestCacheSettings,
  type CacheOutcome,
  type RequestCacheSettings,
} from './cache-settings';
import type { ExactStore } from './exact-store';
import type { SemanticTier } from './semantic-tier';

export const CACHE_PLUGIN_NAME = 'cache';

export interface CachePluginOptions {
  config: CacheConfig;
  exact: ExactStore;
  /** Absent when no request can use the semantic tier (no `semantic` mode anywhere in the config). */
  semantic?: SemanticTier;
  logger?: Logger;
  now?: () => number;
}

/** What `beforeRequest` found, for `afterResponse`. */
interface CacheState {
  settings: RequestCacheSettings;
  key: string;
  /** The semantic scope and the prompt's vector, when the semantic tier applies. */
  scope?: string;
  vector?: Float32Array;
}

/**
 * The response cache: before routing, the exact tier (a hash of the whole
 * request) then the semantic tier (the last user turn by meaning, within
 * the same scope); a hit answers in place of a provider. A provider's
 * answer is stored after the response, off the request path. Lookups that
 * fail (Redis away, the embedder failing) count as misses: the cache never
 * fails a request.
 */
export class CachePlugin implements GatewayPlugin {
  readonly name = CACHE_PLUGIN_NAME;
  readonly endpoints: readonly PluginEndpoint[];
  private readonly now: () => number;

  constructor(private readonly options: CachePluginOptions) {
    this.now = options.now ?? Date.now;
    this.endpoints = [
      {
        method: 'DELETE',
        path: '/v1/cache',
        endpoint: 'cache.invalidate',
        handle: async (call) => {
          if (call.principal.role === 'viewer') throw permissionDenied('Invalidating the cache needs the developer role or above.');
          const raw = call.query.namespace;
          const namespace = raw === undefined ? undefined : checkNamespace(raw, 'namespace', 'The namespace parameter');
          const deleted = await this.invalidate(call.workspace, namespace);
          return { status: 200, body: { object: 'cache.invalidation', workspace: call.workspace, namespace: namespace ?? null, deleted } };
        },
      },
    ];
  }

  async beforeRequest(context: PluginContext): Promise<BeforeOutcome | void> {
    let settings: RequestCacheSettings;
    try {
      settings = requestCacheSettings(this.options.config, context.workspace, context.request.model, context.headers);
    } catch (error) {
      if (isGatewayError(error)) return { kind: 'reject', error };
      throw error;
    }
    if (settings.mode === 'off') return;
    if (settings.directive === 'bypass') return this.report(context, 'bypass');
    const state: CacheState = { settings, key: exactKey(context.workspace, settings.namespace, context.request) };
    context.state.set(this.name, state);
    const semantic = settings.mode === 'semantic' ? this.options.semantic : undefined;
    const scope = semantic ? semanticScope(context.request) : null;
    if (scope !== null) state.scope = scope;
    if (settings.directive === 'refresh') {
      context.annotate('cache', 'refresh');
      context.setHeader(CACHE_HEADER, 'bypass');
      return;
    }
    const entryScope = { workspace: context.workspace, namespace: settings.namespace };
    const exact = await this.options.exact.get(entryScope, state.key).catch((error: unknown) => this.lookupFailed('exact', error));
    if (exact) {
      this.report(context, 'hit');
      return { kind: 'answer', answer: { response: structuredClone(exact.response), servedBy: { plugin: this.name, detail: 'exact' } } };
    }
    if (semantic && scope !== null) {
      try {
        state.vector = await semantic.embed(promptText(context.request) as string, context.signal);
        const { hit, expired } = await semantic.lookup(context.workspace, settings.namespace, scope, state.vector, settings.threshold);
        if (expired.length > 0) context.defer(() => semantic.remove(context.workspace, settings.namespace, expired));
        if (hit) {
          const similarity = hit.similarity.toFixed(4);
          this.report(context, 'semantic-hit');
          context.setHeader(CACHE_SIMILARITY_HEADER, similarity);
          context.annotate('cache_similarity', similarity);
          return { kind: 'answer', answer: { response: hit.answer.response, servedBy: { plugin: this.name, detail: 'semantic' } } };
        }
      } catch (error) {
        if (context.signal.aborted) throw error;
        this.lookupFailed('semantic', error);
      }
    }
    this.report(context, 'miss');
  }

  afterResponse(context: PluginContext, response: ChatResponse, outcome: ResponseOutcome): ChatResponse {
    const state = context.state.get(this.name) as CacheState | undefined;
    if (!state || outcome.source !== 'provider' || !isCacheable(response)) return response;
    const now = this.now();
    // A copy: plugins after this one may change the answer before the deferred write runs.
    const answer: CachedAnswer = { response: structuredClone(response), storedAt: now, expiresAt: now + state.settings.ttlSeconds * 1000 };
    const { workspace } = context;
    const { namespace } = state.settings;
    context.defer(async () => {
      await this.options.exact.set({ workspace, namespace }, state.key, answer);
      const semantic = this.options.semantic;
      if (!semantic || state.scope === undefined) return;
      const vector = state.vector ?? (await semantic.embed(promptText(context.request) as string));
      await this.options.exact.addNamespace(workspace, namespace);
      await semantic.write(workspace, namespace, state.key, state.scope, vector, answer);
    });
    return response;
  }

  /** Removes a namespace's answers, or all of a workspace's; returns how many exact entries went. */
  async invalidate(workspace: string, namespace?: string): Promise<number> {
    const semantic = this.options.semantic;
    if (semantic) {
      const namespaces = namespace === undefined ? new Set(['', ...(await this.options.exact.namespaces(workspace))]) : [namespace];
      for (const name of namespaces) await semantic.drop(workspace, name);
    }
    return this.options.exact.invalidate(workspace, namespace);
  }

  /** Settles once the exact tier's store answers (or its first connection failed: lookups miss until it answers). */
  async ready(): Promise<boolean> {
    return this.options.exact.ready();
  }

  async close(): Promise<void> {
    await this.options.exact.close();
  }

  private report(context: PluginContext, outcome: CacheOutcome): void {
    context.setHeader(CACHE_HEADER, outcome);
    context.annotate('cache', outcome);
  }

  private lookupFailed(tier: 'exact' | 'semantic', error: unknown): undefined {
    this.options.logger?.warn({ tier, err: { message: error instanceof Error ? error.message : String(error) } }, 'cache-lookup-failed');
    return undefined;
  }
}

/** Whether any request may use the semantic tier under this config. */
export function usesSemanticTier(config: CacheConfig): boolean {
  return modesInUse(config).has('semantic');
}
