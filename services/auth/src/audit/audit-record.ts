import { createHash } from 'node:crypto';
import { scrubSecrets, type Principal, type PrincipalKind } from '@switchyard/shared';
import { canonicalJson } from './canonical-json';

/** Who acted: enough to find the credential again, never the credential itself. */
export interface AuditActor {
  kind: PrincipalKind;
  /** Member, service account, JWT `sub`, `admin` for the bootstrap token, `anonymous`. */
  subject: string;
  /** The virtual key's id (`key_…`) when the actor used one, else ''. */
  keyId: string;
  organization: string;
}

/** How the action ended. */
export type AuditOutcome = 'success' | 'failure' | 'denied';

/** What a caller hands to `AuditLog.append`. */
export interface AuditEntry {
  actor: AuditActor;
  /** `<area>.<verb>`: `keys.create`, `provider_credentials.delete`, `permission.denied`, `api_key.denied`, `secret.use`… */
  action: string;
  outcome: AuditOutcome;
  /** The workspace acted on, when there is one. */
  workspace?: string;
  /** What was acted on: `{ type: 'api_key', id: 'key_…' }`. */
  target?: { type: string; id: string };
  /** Where the call came from. */
  source?: { ip?: string; userAgent?: string };
  /** The target's state before and after; secrets are removed before it is stored (see `redactSnapshot`). */
  before?: unknown;
  after?: unknown;
  /** Why it was denied or failed. */
  reason?: string;
  requestId?: string;
}

/**
 * One stored record: the entry, numbered, timed and chained. `hash` is the
 * SHA-256 of the canonical JSON of every other field, `previousHash` the
 * previous record's `hash` (64 zeros for the first), so changing, removing
 * or moving any record breaks the chain from there on.
 */
export interface AuditRecord {
  sequence: number;
  /** ISO 8601 UTC with milliseconds. */
  occurredAt: string;
  actor: AuditActor;
  action: string;
  outcome: AuditOutcome;
  workspace: string | null;
  target: { type: string; id: string } | null;
  source: { ip: string | null; userAgent: string | null };
  before: unknown;
  after: unknown;
  reason: string | null;
  requestId: string | null;
  previousHash: string;
  hash: string;
}

/** The `previousHash` of record 1. */
export const GENESIS_HASH = '0'.repeat(64);

/** The hash a record must carry: SHA-256 (hex) of the canonical JSON of all its fields but `hash`. */
export function hashAuditRecord(record: Omit<AuditRecord, 'hash'> & { hash?: string }): string {
  const { hash: _ignored, ...hashed } = record;
  return createHash('sha256').update(canonicalJson(hashed), 'utf8').digest('hex');
}

/** The actor of a principal established by the gateway or the admin API. */
export function actorOf(principal: Principal): AuditActor {
  return { kind: principal.kind, subject: principal.subject, keyId: principal.keyId, organization: principal.organization };
}

const ACTION = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const TEXT_LIMIT = 512;

/**
 * The entry as it will be stored and hashed: checked, bounded, with secrets
 * taken out of `before`/`after` and scrubbed from the free text, and
 * normalised to plain JSON so the hash can be recomputed from what is read
 * back.
 */
export function normaliseEntry(entry: AuditEntry): Omit<AuditRecord, 'sequence' | 'occurredAt' | 'previousHash' | 'hash'> {
  if (typeof entry.action !== 'string' || !ACTION.test(entry.action) || entry.action.length > 128) {
    throw new Error(`An audit action is <area>.<verb> in lower case (such as keys.create), got ${JSON.stringify(entry.action)}.`);
  }
  if (!['success', 'failure', 'denied'].includes(entry.outcome)) {
    throw new Error(`An audit outcome is success, failure or denied, got ${JSON.stringify(entry.outcome)}.`);
  }
  return {
    actor: {
      kind: entry.actor.kind,
      subject: bounded(entry.actor.subject) ?? '',
      keyId: bounded(entry.actor.keyId) ?? '',
      organization: bounded(entry.actor.organization) ?? '',
    },
    action: entry.action,
    outcome: entry.outcome,
    workspace: bounded(entry.workspace),
    target: entry.target ? { type: bounded(entry.target.type) ?? '', id: bounded(entry.target.id) ?? '' } : null,
    source: { ip: bounded(entry.source?.ip), userAgent: bounded(entry.source?.userAgent) },
    before: entry.before === undefined ? null : redactSnapshot(entry.before),
    after: entry.after === undefined ? null : redactSnapshot(entry.after),
    reason: entry.reason === undefined ? null : bounded(scrubSecrets(entry.reason)),
    requestId: bounded(entry.requestId),
  };
}

function bounded(text: string | undefined | null): string | null {
  if (text === undefined || text === null) return null;
  return withoutNul(String(text)).slice(0, TEXT_LIMIT);
}

/** Postgres text and jsonb cannot hold U+0000: a user agent or a name carrying one would make the append fail. */
function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\ufffd') : text;
}

/**
 * Whether a member's value is a secret, by its name: `apiKey`, `client_secret`,
 * `password`, `adminToken`, `value` (a stored secret), `key` (a key shown once)…
 * but not `maxTokens`, `keyId`, `secretName` or `keyPrefix`, which describe one.
 */
function isSecretMember(name: string): boolean {
  const words = name.toLowerCase().replace(/[-_\s]/g, '');
  if (/(id|ids|name|prefix|at|count|version)$/.test(words)) return false;
  if (words === 'key' || words === 'value') return true;
  return /secret|password|passphrase|authorization|apikey|privatekey|ciphertext|wrappedkey|token$/.test(words);
}

/**
 * A copy of `value` as plain JSON with every secret-named member replaced by
 * `[redacted]` and key-like strings scrubbed; Dates become ISO strings,
 * anything else that is not JSON becomes its string form.
 */
export function redactSnapshot(value: unknown): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string') return scrubSecrets(withoutNul(value));
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : redactSnapshot(item)));
  if (typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [name, member] of Object.entries(value as Record<string, unknown>)) {
      if (member === undefined) continue;
      copy[withoutNul(name)] = isSecretMember(name) ? '[redacted]' : redactSnapshot(member);
    }
    return copy;
  }
  if (typeof value === 'bigint') return value.toString();
  // A symbol or a function has no JSON form; its kind is all that is kept.
  return `[${typeof value}]`;
}
