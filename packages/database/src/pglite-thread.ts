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

function describeError(error) {
  const fields = {};
  if (error !== null && typeof error === 'object') {
    for (const [key, value] of Object.entries(error)) {
      if (typeof value === 'string' || typeof value === 'number') fields[key] = value;
    }
  }
  return { message: error instanceof Error ? error.message : String(error), fields };
}

const database = workerData.dataDir === undefined ? PGlite.create() : PGlite.create(workerData.dataDir);
database.then(
  () => parentPort.postMessage({ id: 0 }),
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

/** What the thread is asked to do; it is posted with an `id` that its response carries back. */
type ThreadCommand = { kind: 'query'; text: string; params: readonly unknown[] } | { kind: 'exec'; script: string } | { kind: 'stop' };

interface ThreadResponse {
  id: number;
  rows?: unknown[];
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

  /** Resolves once the database is open; a data directory is created when missing. */
  static async start(dataDir: string | undefined): Promise<PgliteThread> {
    const worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: { pglitePath: require.resolve('@electric-sql/pglite'), dataDir },
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
