import { canonicalJson } from './canonical-json';

/** A signed statement: "record `sequence` of this chain has hash `headHash`". */
export interface AuditCheckpoint {
  sequence: number;
  headHash: string;
  /** ISO 8601 UTC. */
  signedAt: string;
  /** The signing key's id (see `CheckpointSigner.keyId`). */
  keyId: string;
  /** Ed25519 signature (base64) of `checkpointPayload`. */
  signature: string;
}

/** What a checkpoint's signature covers: its other fields, in canonical JSON. */
export function checkpointPayload(checkpoint: Omit<AuditCheckpoint, 'signature'>): string {
  const { sequence, headHash, signedAt, keyId } = checkpoint;
  return canonicalJson({ sequence, headHash, signedAt, keyId });
}
