/**
 * Where cold records go: a bucket of an S3-compatible server (or a stand-in
 * with the same behaviour). Keys are the whole object key, prefix included.
 */
export interface ObjectStore {
  /** Stores `body` under `key`, replacing what was there; `sha256` (hex) lets the server check what it received. */
  put(key: string, body: Buffer, sha256: string): Promise<void>;
  /** The object's bytes; rejects when it does not exist. */
  get(key: string, signal?: AbortSignal): Promise<Buffer>;
  /** Removes the object; nothing happens when it does not exist. */
  delete(key: string): Promise<void>;
  /** Releases connections. */
  close(): void;
}
