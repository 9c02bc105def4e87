import type { DeletedUserData, Principal, WorkspaceScope } from '@switchyard/shared';

/** Where a request came from, for an audit record. */
export interface RequestOrigin {
  requestId: string;
  ip: string;
  userAgent: string;
}

export interface AccessDeniedEvent extends RequestOrigin {
  /** Undefined when the credential itself was refused (401). */
  principal?: Principal;
  method: string;
  path: string;
  status: number;
  code: string;
}

export interface UserDataDeletedEvent extends RequestOrigin {
  principal: Principal;
  user: string;
  scope: WorkspaceScope;
  deleted: DeletedUserData;
}

/**
 * Callbacks for the audit trail, called after the fact and never awaited:
 * a hook that throws is logged and the request goes on as it would have.
 */
export interface GatewayAuditHooks {
  accessDenied?(event: AccessDeniedEvent): void;
  userDataDeleted?(event: UserDataDeletedEvent): void;
}
