import type { CachedAnswer } from './cached-answer';
import { scopePrefix, type EntryScope, type ExactStore } from './exact-store';

/**
 * The exact tier in one process: a map bounded to `maxEntries`, the least
 * recently used answer going first. Expired answers are dropped when read.
 */
export class MemoryExactStore implements ExactStore {
  private readonly entries = new Map<string, CachedAnswer>();
  private readonly namespacesByWorkspace = new Map<string, Set<string>>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  async ready(): Promise<boolean> {
    return true;
  }

  get size(): number {
    return this.entries.size;
  }

  async get(scope: EntryScope, key: string): Promise<CachedAnswer | undefined> {
    const id = scopePrefix(scope.workspace, scope.namespace) + key;
    const answer = this.entries.get(id);
    if (answer === undefined) return undefined;
    this.entries.delete(id);
    if (answer.expiresAt <= this.now()) return undefined;
    // Re-inserted: a Map iterates in insertion order, so the first key is the least recently used.
    this.entries.set(id, answer);
    return answer;
  }

  async set(scope: EntryScope, key: string, answer: CachedAnswer): Promise<void> {
    const id = scopePrefix(scope.workspace, scope.namespace) + key;
    this.entries.delete(id);
    this.entries.set(id, answer);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  async invalidate(workspace: string, namespace?: string): Promise<number> {
    const prefix = scopePrefix(workspace, namespace);
    let removed = 0;
    for (const id of [...this.entries.keys()]) {
      if (id.startsWith(prefix)) {
        this.entries.delete(id);
        removed += 1;
      }
    }
    if (namespace === undefined) this.namespacesByWorkspace.delete(workspace);
    else this.namespacesByWorkspace.get(workspace)?.delete(namespace);
    return removed;
  }

  async addNamespace(workspace: string, namespace: string): Promise<void> {
    let known = this.namespacesByWorkspace.get(workspace);
    if (!known) this.namespacesByWorkspace.set(workspace, (known = new Set()));
    known.add(namespace);
  }

  async namespaces(workspace: string): Promise<string[]> {
    return [...(this.namespacesByWorkspace.get(workspace) ?? [])];
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
