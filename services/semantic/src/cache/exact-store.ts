import type { CachedAnswer } from './cached-answer';

/**
 * Where the exact tier keeps answers: in the process (`MemoryExactStore`)
 * or in Redis shared by every gateway (`RedisExactStore`). Keys are scoped
 * by workspace and namespace, so invalidation can address either.
 */
export interface ExactStore {
  /** Settles once the store can answer (true), or its first connection attempt failed (false: lookups miss until it can). */
  ready(): Promise<boolean>;
  get(scope: EntryScope, key: string): Promise<CachedAnswer | undefined>;
  set(scope: EntryScope, key: string, answer: CachedAnswer): Promise<void>;
  /** Removes a namespace's answers, or every answer of the workspace without one; returns how many. */
  invalidate(workspace: string, namespace?: string): Promise<number>;
  /** Remembers that a workspace has used a namespace (the semantic tier drops each on invalidation). */
  addNamespace(workspace: string, namespace: string): Promise<void>;
  namespaces(workspace: string): Promise<string[]>;
  close(): Promise<void>;
}

export interface EntryScope {
  workspace: string;
  /** `x-switchyard-cache-namespace`, '' without one. */
  namespace: string;
}

/** `<workspace>:<namespace>:`, each part escaped so no workspace's prefix is another's. */
export function scopePrefix(workspace: string, namespace?: string): string {
  return namespace === undefined ? `${encodeURIComponent(workspace)}:` : `${encodeURIComponent(workspace)}:${encodeURIComponent(namespace)}:`;
}
