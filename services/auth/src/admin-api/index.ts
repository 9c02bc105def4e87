export type { AdminActionEvent } from './admin-action-event';
export { AdminAuthenticator } from './admin-authentication';
export { createAdminRouter, OPENAPI_DOCUMENT_PATH, type AdminRouterOptions } from './create-admin-router';
