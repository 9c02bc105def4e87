import type { PrincipalKind } from '@switchyard/shared';
import type { AuditEntry } from '../audit/audit-record';

/**
 * What the admin API reports for every action it took and every one it
 * refused (the audit trail records these). `before` and `after` never hold
 * a key or a token.
 */
export interface AdminActionEvent {
  /** An RBAC action (`keys.create`…), or `organizations.create` (bootstrap only). */
  action: string;
  outcome: 'allowed' | 'denied';
  actor: { kind: PrincipalKind; subject: string; organization: string };
  target: {
    type: 'organization' | 'workspace' | 'member' | 'api_key' | 'token' | 'rate_limit' | 'budget' | 'audit' | 'experiment';
    id: string;
    organization?: string;
    workspace?: string;
  };
  /** Where the call came from. */
  origin: { ip: string; userAgent: string; method: string; path: string };
  before?: unknown;
  after?: unknown;
  /** Why it was refused. */
  reason?: string;
  at: Date;
}

/**
 * What a route mounted under the admin router (`routes`) reports through,
 * found in `response.locals.reportAdminAction`: the router adds who, from
 * where and when, and hands the event to `onAdminAction`.
 */
export type AdminActionReporter = (event: Omit<AdminActionEvent, 'actor' | 'origin' | 'at'>) => Promise<void>;

/** The admin API's report as an audit-trail entry (the actor used no virtual key: admin calls take none). */
export function auditEntryOf(event: AdminActionEvent): AuditEntry {
  return {
    actor: { ...event.actor, keyId: '' },
    action: event.action,
    outcome: event.outcome === 'allowed' ? 'success' : 'denied',
    workspace: event.target.workspace,
    target: { type: event.target.type, id: event.target.id },
    source: { ip: event.origin.ip, userAgent: event.origin.userAgent },
    before: event.before,
    after: event.after,
    reason: event.reason,
  };
}
