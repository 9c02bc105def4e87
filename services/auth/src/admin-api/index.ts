export { auditEntryOf, type AdminActionEvent, type AdminActionReporter } from './admin-action-event';
export { AdminAuthenticator } from './admin-authentication';
export { createAdminRouter, OPENAPI_DOCUMENT_PATH, type AdminRouterOptions } from './create-admin-router';
