export type { AuditLog } from './audit-log';
export {
  actorOf,
  GENESIS_HASH,
  hashAuditRecord,
  redactSnapshot,
  type AuditActor,
  type AuditEntry,
  type AuditOutcome,
  type AuditRecord,
} from './audit-record';
export { checkpointPayload, type AuditCheckpoint } from './audit-checkpoint';
export { canonicalJson, CanonicalJsonError } from './canonical-json';
export {
  Ed25519CheckpointKey,
  loadCheckpointSigningKey,
  loadCheckpointVerifyingKey,
  type CheckpointSigner,
  type CheckpointVerifier,
  type LoadSigningKeyOptions,
} from './checkpoint-signer';
export {
  AUDIT_MIGRATIONS_TABLE,
  auditMigrations,
  readAuditCheckpoints,
  readAuditRecords,
  SqlAuditLog,
  type AuditRange,
  type SqlAuditLogOptions,
} from './sql-audit-log';
export { verifyAuditChain, type AuditProblemKind, type AuditVerification, type VerifyOptions } from './verify-audit-chain';
export { exportAuditJsonl, parseAuditJsonl } from './audit-export';
export { createAuditExportRouter, type AuditExportRouterOptions } from './audit-export-router';
export { openAuditLog, type OpenAuditLogOptions } from './open-audit-log';
