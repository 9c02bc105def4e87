import { promises as fs } from 'node:fs';
import type { VectorMatch, VectorQuery, VectorRecord, VectorStore } from '@switchyard/shared';
import { DEFAULT_GRAPH_OPTIONS, type HnswGraphOptions } from './hnsw-graph';
import { HnswNamespace, type HnswSearchOptions } from './hnsw-namespace';
import { encodeLogEntry, namespaceFiles, readLog, readSnapshot, writeSnapshot, type LogEntry, type NamespaceFiles } from './hnsw-files';
import { vectorStoreClosed } from '../vector-store-errors';

export interface HnswVectorStoreOptions {
  /** Folder of the namespaces' files (created when missing); absent: in memory only, gone at close. */
  directory?: string;
  /** Links per node (16). */
  m?: number;
  /** Search breadth when linking a new node (100). */
  efConstruction?: number;
  /** Search breadth of a query (64). */
  efSearch?: number;
  /** Namespaces with fewer live records are searched exactly (1,000). */
  exactSearchBelow?: number;
  /** A namespace's log is folded into a new snapshot once it grows past this (16 MiB). */
  snapshotAfterLogBytes?: number;
  /** The graph is rebuilt once this share of its nodes are removed ones (0.3). */
  rebuildTombstoneRatio?: number;
  /** Uniform in [0, 1): injected for a reproducible graph. */
  random?: () => number;
}

interface OpenNamespace {
  records: HnswNamespace;
  files?: NamespaceFiles;
  logBytes: number;
}

/**
 * The embedded vector store: an HNSW graph per namespace, in this process,
 * kept on disk as a snapshot plus an append log (hnsw-files.ts). Namespaces
 * are opened on first use. Changes to one namespace run one at a time, in
 * call order, so the log and memory agree; queries read memory directly.
 */
export class HnswVectorStore implements VectorStore {
  private readonly graphOptions: HnswGraphOptions;
  private readonly searchOptions: HnswSearchOptions;
  private readonly snapshotAfterLogBytes: number;
  private readonly opened = new Map<string, Promise<OpenNamespace>>();
  /** The tail of each namespace's chain of changes. */
  private readonly tails = new Map<string, Promise<unknown>>();
  private directoryReady: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: HnswVectorStoreOptions = {}) {
    this.graphOptions = {
      m: options.m ?? DEFAULT_GRAPH_OPTIONS.m,
      efConstruction: options.efConstruction ?? DEFAULT_GRAPH_OPTIONS.efConstruction,
      random: options.random ?? Math.random,
    };
    this.searchOptions = {
      efSearch: options.efSearch ?? 64,
      exactSearchBelow: options.exactSearchBelow ?? 1_000,
      rebuildTombstoneRatio: options.rebuildTombstoneRatio ?? 0.3,
    };
    this.snapshotAfterLogBytes = options.snapshotAfterLogBytes ?? 16 * 1024 * 1024;
  }

  upsert(namespace: string, records: readonly VectorRecord[]): Promise<void> {
    if (records.length === 0) return this.checkOpen();
    return this.change(namespace, async (open) => {
      open.records.validate(records);
      await this.append(open, { upsert: [...records] });
      open.records.upsert(records);
      await this.compactLog(open);
    });
  }

  async query(namespace: string, vector: Float32Array, query: VectorQuery): Promise<VectorMatch[]> {
    await this.checkOpen();
    const open = await this.open(namespace);
    return open.records.query(vector, query);
  }

  delete(namespace: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return this.checkOpen();
    return this.change(namespace, async (open) => {
      await this.append(open, { delete: [...ids] });
      open.records.delete(ids);
      await this.compactLog(open);
    });
  }

  drop(namespace: string): Promise<void> {
    return this.change(namespace, async (open) => {
      this.opened.delete(namespace);
      if (open.files) {
        await fs.rm(open.files.log, { force: true });
        await fs.rm(open.files.snapshot, { force: true });
      }
    });
  }

  /** Folds every open namespace's log into its snapshot, then refuses further calls. */
  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.allSettled([...this.tails.values()]);
    this.closed = true;
    for (const pending of this.opened.values()) {
      const open = await pending.catch(() => undefined);
      if (open?.files && open.logBytes > 0) await this.snapshot(open);
    }
    this.opened.clear();
  }

  /** Live records of a namespace (for tests and metrics). */
  async count(namespace: string): Promise<number> {
    return (await this.open(namespace)).records.size;
  }

  private async checkOpen(): Promise<void> {
    if (this.closed) throw vectorStoreClosed('embedded');
  }

  private change(namespace: string, apply: (open: OpenNamespace) => Promise<void>): Promise<void> {
    if (this.closed) return Promise.reject(vectorStoreClosed('embedded'));
    const previous = this.tails.get(namespace) ?? Promise.resolve();
    const next = previous.then(
      async () => apply(await this.open(namespace)),
      async () => apply(await this.open(namespace)),
    );
    const tail = next.catch(() => undefined);
    this.tails.set(namespace, tail);
    void tail.then(() => {
      if (this.tails.get(namespace) === tail) this.tails.delete(namespace);
    });
    return next;
  }

  private open(namespace: string): Promise<OpenNamespace> {
    let pending = this.opened.get(namespace);
    if (pending === undefined) {
      pending = this.load(namespace);
      this.opened.set(namespace, pending);
      // A failed open is tried again on the next call rather than remembered.
      pending.catch(() => {
        if (this.opened.get(namespace) === pending) this.opened.delete(namespace);
      });
    }
    return pending;
  }

  private async load(namespace: string): Promise<OpenNamespace> {
    const records = new HnswNamespace(namespace, this.graphOptions, this.searchOptions);
    const directory = this.options.directory;
    if (directory === undefined) return { records, logBytes: 0 };
    this.directoryReady ??= fs.mkdir(directory, { recursive: true }).then(() => undefined);
    await this.directoryReady;
    const files = namespaceFiles(directory, namespace);
    const snapshot = await readSnapshot(files.snapshot);
    if (snapshot) {
      if (snapshot.namespace !== namespace) throw new Error(`${files.snapshot} holds the namespace "${snapshot.namespace}", not "${namespace}"`);
      records.restore(snapshot.graph, snapshot.records);
    }
    const log = await readLog(files.log);
    for (const entry of log.entries) {
      if ('delete' in entry) records.delete(entry.delete);
      else records.upsert(entry.upsert);
    }
    // A last line cut short by a crash is cut off, so the next append starts a line of its own.
    if (log.intactBytes < log.totalBytes) await fs.truncate(files.log, log.intactBytes);
    return { records, files, logBytes: log.intactBytes };
  }

  private async append(open: OpenNamespace, entry: LogEntry): Promise<void> {
    if (!open.files) return;
    const line = encodeLogEntry(entry);
    await fs.appendFile(open.files.log, line, 'utf8');
    open.logBytes += Buffer.byteLength(line, 'utf8');
  }

  /** Folds the log into a new snapshot once it has grown enough (after the change is in memory). */
  private async compactLog(open: OpenNamespace): Promise<void> {
    if (open.files && open.logBytes >= this.snapshotAfterLogBytes) await this.snapshot(open);
  }

  private async snapshot(open: OpenNamespace): Promise<void> {
    const files = open.files as NamespaceFiles;
    const snapshot = open.records.toSnapshot();
    if (snapshot) await writeSnapshot(files.snapshot, { namespace: open.records.name, ...snapshot });
    else await fs.rm(files.snapshot, { force: true });
    // The snapshot holds every change of the log now.
    await fs.writeFile(files.log, '');
    open.logBytes = 0;
  }
}
