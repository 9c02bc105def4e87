import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { VectorPayload, VectorRecord } from '@switchyard/shared';
import type { HnswGraphParts } from './hnsw-graph';

/**
 * How a namespace lives on disk: a snapshot (the whole graph, written to a
 * temporary file, synced, then renamed over the old one, so a crash leaves
 * either the old or the new) and an append log of the changes since it
 * (one JSON line per upsert or delete batch). Opening loads the snapshot and
 * replays the log; a last line cut short by a crash is dropped.
 */

const MAGIC = Buffer.from('SWYHNSW1', 'ascii');

export interface NamespaceFiles {
  snapshot: string;
  log: string;
}

export type SnapshotRecord = { id: string; payload: VectorPayload } | null;

export interface NamespaceSnapshot {
  namespace: string;
  graph: HnswGraphParts;
  records: SnapshotRecord[];
}

export type LogEntry = { upsert: VectorRecord[] } | { delete: string[] };

/** File names safe on any file system: the namespace itself (base64url) when short, else its hash. */
export function namespaceFiles(directory: string, namespace: string): NamespaceFiles {
  const encoded = Buffer.from(namespace, 'utf8').toString('base64url');
  const stem = encoded.length <= 160 ? `ns-${encoded}` : `nh-${createHash('sha256').update(namespace).digest('hex')}`;
  return { snapshot: path.join(directory, `${stem}.snapshot`), log: path.join(directory, `${stem}.log`) };
}

export async function writeSnapshot(file: string, snapshot: NamespaceSnapshot): Promise<void> {
  const { graph } = snapshot;
  const header = Buffer.from(
    JSON.stringify({
      namespace: snapshot.namespace,
      dimensions: graph.dimensions,
      count: graph.count,
      entry: graph.entry,
      maxLevel: graph.maxLevel,
      linksLength: graph.links.length,
      records: snapshot.records,
    }),
    'utf8',
  );
  const headerLength = Buffer.alloc(4);
  headerLength.writeUInt32LE(header.length);
  // Typed arrays start on a multiple of 4 bytes, so they can be read back in place.
  const bytesSoFar = MAGIC.length + 4 + header.length + 2 * graph.count;
  const padding = Buffer.alloc((4 - (bytesSoFar % 4)) % 4);
  const parts = [
    MAGIC,
    headerLength,
    header,
    Buffer.from(graph.levels.buffer, graph.levels.byteOffset, graph.levels.byteLength),
    Buffer.from(graph.deleted.buffer, graph.deleted.byteOffset, graph.deleted.byteLength),
    padding,
    Buffer.from(graph.vectors.buffer, graph.vectors.byteOffset, graph.vectors.byteLength),
    Buffer.from(graph.links.buffer, graph.links.byteOffset, graph.links.byteLength),
  ];
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await fs.open(temporary, 'w');
  try {
    for (const part of parts) await handle.write(part);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temporary, file);
  await syncDirectory(path.dirname(file));
}

export async function readSnapshot(file: string): Promise<NamespaceSnapshot | undefined> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (bytes.length < MAGIC.length + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error(`${file} is not a vector store snapshot`);
  const headerLength = bytes.readUInt32LE(MAGIC.length);
  let offset = MAGIC.length + 4;
  const header = JSON.parse(bytes.subarray(offset, offset + headerLength).toString('utf8')) as {
    namespace: string;
    dimensions: number;
    count: number;
    entry: number;
    maxLevel: number;
    linksLength: number;
    records: SnapshotRecord[];
  };
  offset += headerLength;
  const take = (length: number) => {
    if (offset + length > bytes.length) throw new Error(`${file} is cut short`);
    // A copy, aligned, owned by the typed array (the file buffer is let go).
    const copy = new Uint8Array(length);
    copy.set(bytes.subarray(offset, offset + length));
    offset += length;
    return copy.buffer;
  };
  const levels = new Uint8Array(take(header.count));
  const deleted = new Uint8Array(take(header.count));
  offset += (4 - (offset % 4)) % 4;
  const vectors = new Float32Array(take(header.count * header.dimensions * 4));
  const links = new Int32Array(take(header.linksLength * 4));
  return {
    namespace: header.namespace,
    records: header.records,
    graph: { dimensions: header.dimensions, count: header.count, entry: header.entry, maxLevel: header.maxLevel, levels, deleted, vectors, links },
  };
}

export function encodeLogEntry(entry: LogEntry): string {
  if ('delete' in entry) return `${JSON.stringify({ delete: entry.delete })}\n`;
  const upsert = entry.upsert.map((record) => ({
    id: record.id,
    payload: record.payload,
    vector: Buffer.from(Float32Array.from(record.vector).buffer).toString('base64'),
  }));
  return `${JSON.stringify({ upsert })}\n`;
}

/**
 * The entries of a log and the length of its intact part. A line that does
 * not parse is only accepted as the last one (a write cut short by a crash);
 * anywhere else the log is damaged and opening fails.
 */
export async function readLog(file: string): Promise<{ entries: LogEntry[]; intactBytes: number; totalBytes: number }> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], intactBytes: 0, totalBytes: 0 };
    throw error;
  }
  const entries: LogEntry[] = [];
  let intactBytes = 0;
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const line = end === -1 ? text.slice(start) : text.slice(start, end);
    const entry = end === -1 ? undefined : parseLogLine(line);
    if (entry === undefined) {
      const rest = end === -1 ? '' : text.slice(end + 1);
      if (rest.trim() !== '') throw new Error(`${file} is damaged: line ${entries.length + 1} does not parse`);
      break;
    }
    entries.push(entry);
    start = end + 1;
    intactBytes += Buffer.byteLength(line, 'utf8') + 1;
  }
  return { entries, intactBytes, totalBytes: Buffer.byteLength(text, 'utf8') };
}

function parseLogLine(line: string): LogEntry | undefined {
  try {
    const value = JSON.parse(line) as { delete?: string[]; upsert?: { id: string; payload: VectorPayload; vector: string }[] };
    if (Array.isArray(value.delete)) return { delete: value.delete };
    if (!Array.isArray(value.upsert)) return undefined;
    return {
      upsert: value.upsert.map((record) => {
        const bytes = Buffer.from(record.vector, 'base64');
        const vector = new Float32Array(bytes.length / 4);
        new Uint8Array(vector.buffer).set(bytes);
        return { id: record.id, payload: record.payload, vector };
      }),
    };
  } catch {
    return undefined;
  }
}

/** Makes a rename durable: the directory entry itself is synced (where the platform allows it). */
async function syncDirectory(directory: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(directory, 'r');
    await handle.sync();
  } catch {
    // Some platforms refuse to open or sync a directory; the rename is then as durable as they make it.
  } finally {
    await handle?.close();
  }
}
