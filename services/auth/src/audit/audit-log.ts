import type { AuditEntry, AuditRecord } from './audit-record';

/**
 * Where governance events are written: admin actions, permission and key
 * denials, secret accesses, privacy deletions. Implementations keep one
 * hash chain however many processes append at once.
 */
export interface AuditLog {
  /** Stores the entry as the next record of the chain; resolves with the stored record. */
  append(entry: AuditEntry): Promise<AuditRecord>;
}
