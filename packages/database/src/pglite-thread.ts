import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * PGlite on a worker thread of its own. PGlite runs Postgres synchronously on
 * the thread that calls it, so a large insert or an aggregate over many rows
 * would stall everything else on that thread's event loop (Kafka heartbeats,
 * gRPC calls); on its own thread it stalls nothing. The thread also loads
 * PGlite as an ordinary Node module, which a host that runs our code in a
 * sandbox without dynamic `import()` (jest's module registry) would refuse.
 *
 * The thread's code is plain JavaScript kept in a string, so it runs the same
 * from `src/` and from `dist/` without a build step.
 */
const THREAD_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pglitePath);

function collectGarbage() {
  // gc() is exposed to a context of its own for this one call, then the flag is reset.
  const v8 = require('node:v8');
  v8.setFlagsFromString('--expose-gc');
  const gc = require('node:vm').runInNewContext('gc');
  v8.setFlagsFromString('--no-expose-gc');
  gc();
}

function describeError(error) {
  const fields = {};
  if (error !== null && typeof error === 'object') {
    for (const [key, value] of Object.entries(error)) {
      if (typeof value === 'string' || typeof value === 'number') fields[key] = value;
    }
  }
  return { message: error instanceof Error ? error.message : String(error), fields };
}

// Postgres compiled to WebAssembly, compiled by V8's baseline compiler (Liftoff) only. By default
// V8 also recompiles the functions it finds hot with its optimising compiler (TurboFan); for
// PGlite that kept 55-70 MB more resident to save about a tenth of PGlite's CPU (bench/RESULTS.md),
// and opening took longer. The flag is read when a module is compiled, so it is set for these
// compilations only and every other module in the process (undici's HTTP parser) tiers up as usual.
function compileBaselineOnly(file) {
  const v8 = require('node:v8');
  const path = require('node:path');
  // The .wasm files sit beside PGlite's entry point (dist/).
  const bytes = require('node:fs').readFileSync(path.join(path.dirname(workerData.pglitePath), file));
  v8.setFlagsFromString('--liftoff-only');
  try {
    return new WebAssembly.Module(bytes);
  } finally {
    v8.setFlagsFromString('--no-liftoff-only');
  }
}

// Postgres's own defaults size its caches for a server of its own (shared_buffers 128 MB,
// 100 connections); PGlite is one connection in our process, and a data folder's pages
// are in the operating system's cache already, so they only cost resident memory here.
const startParams = [...PGlite.defaultStartParams, ...workerData.settings.flatMap((setting) => ['-c', setting])];
const options = { startParams, pgliteWasmModule: compileBaselineOnly('pglite.wasm') };
// initdb runs only for a new cluster, and only on the thread that creates it.
if (workerData.newCluster) options.initdbWasmModule = compileBaselineOnly('initdb.wasm');
if (workerData.image !== undefined) options.loadDataDir = new Blob([workerData.image]);
// The archive is copied into the in-memory cluster; neither copy of it is needed after that.
workerData.image = undefined;
const database = workerData.dataDir === undefined ? PGlite.create(options) : PGlite.create(workerData.dataDir, options);
database.then(
  () => {
    options.loadDataDir = undefined;
    options.initdbWasmModule = undefined;
    // A first start runs initdb, which leaves a copy of the whole WebAssembly heap and
    // initdb's own instance behind as garbage (over 100 MB); an idle thread would keep
    // them until its next major collection, which may never come.
    collectGarbage();
    parentPort.postMessage({ id: 0 });
  },
  (error) => parentPort.postMessage({ id: 0, error: describeError(error) }),
);

parentPort.on('message', async (request) => {
  try {
    const db = await database;
    switch (request.kind) {
      case 'query':
        parentPort.postMessage({ id: request.id, rows: (await db.query(request.text, request.params)).rows });
        break;
      case 'exec':
        await db.exec(request.script);
        parentPort.postMessage({ id: request.id });
        break;
      case 'dump': {
        const image = new Uint8Array(await (await db.dumpDataDir('none')).arrayBuffer());
        parentPort.postMessage({ id: request.id, image }, [image.buffer]);
        break;
      }
      case 'stop':
        await db.close();
        parentPort.postMessage({ id: request.id });
        parentPort.close();
        break;
    }
  } catch (error) {
    parentPort.postMessage({ id: request.id, error: describeError(error) });
  }
});
`;

/**
 * Postgres settings for the embedded database, beyond PGlite's own: caches sized for one
 * connection. Only memory is traded: statements and results are the same.
 */
export const POSTGRES_SETTINGS: readonly string[] = ['shared_buffers=2MB', 'max_connections=4'];

/**
 * The thread's young generation, in MB (V8 lets it grow to 16 or more). What the thread allocates
 * (a batch's parameters as they arrive, PGlite's protocol messages) dies young, so a small one
 * only collects more often; under load it kept the process's peak 10-25 MB lower (bench/RESULTS.md).
 */
const YOUNG_GENERATION_MB = 4;

/** What the thread is asked to do; it is posted with an `id` that its response carries back. */
type ThreadCommand =
  { kind: 'query'; text: string; params: readonly unknown[] } | { kind: 'exec'; script: string } | { kind: 'dump' } | { kind: 'stop' };

interface ThreadResponse {
  id: number;
  rows?: unknown[];
  /** The data folder as a tar archive (`dump`). */
  image?: Uint8Array;
  error?: { message: string; fields: Record<string, string | number> };
}

interface Pending {
  resolve(response: ThreadResponse): void;
  reject(error: Error): void;
}

export class PgliteThread {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Set once the thread has stopped or failed; every later call rejects with it. */
  private stopped?: Error;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (response: ThreadResponse) => {
      const pending = this.pending.get(response.id);
      if (pending === undefined) return;
      this.pending.delete(response.id);
      if (response.error === undefined) pending.resolve(response);
      else pending.reject(Object.assign(new Error(response.error.message), response.error.fields));
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`The PGlite thread stopped (exit code ${code}).`)));
  }

  /**
   * Resolves once the database is open; a data directory is created when missing.
   *
   * A new cluster (in memory, or a folder without one) is created by initdb on a first
   * thread, which is then ended and the cluster opened on a second: initdb leaves a copy
   * of the whole WebAssembly heap and its own instance reachable on its thread (over
   * 300 MB resident) until that thread ends. In memory, the cluster passes from one
   * thread to the other as a tar archive (a few MB).
   */
  static async start(dataDir: string | undefined): Promise<PgliteThread> {
    if (dataDir !== undefined && fs.existsSync(path.join(dataDir, 'PG_VERSION'))) return PgliteThread.open(dataDir);
    const initdb = await PgliteThread.open(dataDir, { newCluster: true });
    let image: Uint8Array | undefined;
    try {
      if (dataDir === undefined) image = (await initdb.send({ kind: 'dump' })).image;
      await initdb.stop();
    } finally {
      await initdb.worker.terminate();
    }
    return PgliteThread.open(dataDir, { image });
  }

  private static async open(
    dataDir: string | undefined,
    { image, newCluster = false }: { image?: Uint8Array; newCluster?: boolean } = {},
  ): Promise<PgliteThread> {
    const worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: { pglitePath: require.resolve('@electric-sql/pglite'), dataDir, settings: POSTGRES_SETTINGS, image, newCluster },
      transferList: image === undefined ? [] : [image.buffer as ArrayBuffer],
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    const thread = new PgliteThread(worker);
    const opened = new Promise<ThreadResponse>((resolve, reject) => thread.pending.set(0, { resolve, reject }));
    try {
      await opened;
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return thread;
  }

  async query<Row>(text: string, params: readonly unknown[]): Promise<Row[]> {
    return (await this.send({ kind: 'query', text, params })).rows as Row[];
  }

  async exec(script: string): Promise<void> {
    await this.send({ kind: 'exec', script });
  }

  /** Closes the database (flushing a data directory) and ends the thread. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    await this.send({ kind: 'stop' });
    this.fail(new Error('The PGlite database is closed.'));
  }

  private send(command: ThreadCommand): Promise<ThreadResponse> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise<ThreadResponse>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...command });
    });
  }

  private fail(error: Error): void {
    this.stopped ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
