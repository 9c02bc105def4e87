import type { PrincipalKind } from '@switchyard/shared';

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
  target: { type: 'organization' | 'workspace' | 'member' | 'api_key' | 'token'; id: string; organization?: string; workspace?: string };
  /** Where the call came from. */
  origin: { ip: string; userAgent: string; method: string; path: string };
  before?: unknown;
  after?: unknown;
  /** Why it was refused. */
  reason?: string;
  at: Date;
}
