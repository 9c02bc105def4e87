export type { AdminActionEvent } from './admin-action-event';
export { ADMIN_TOKEN_PRINCIPAL, AdminAuthenticator } from './admin-authentication';
export { adminErrorBody } from './admin-error-body';
export { createAdminRouter, OPENAPI_DOCUMENT_PATH, type AdminRouterOptions } from './create-admin-router';
