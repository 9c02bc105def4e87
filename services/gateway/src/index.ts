export { startGatewayServer, type GatewayServer, type GatewayServerOptions } from './gateway-server';
export { GatewayMetrics } from './http/gateway-metrics';
export { RequestAuthenticator, VIRTUAL_KEY_PREFIX, type AuthenticationOptions } from './auth/request-authenticator';
export type { AccessDeniedEvent, GatewayAuditHooks, RequestOrigin, UserDataDeletedEvent } from './auth/gateway-audit-hooks';
export { ENDPOINT_ROLES } from './auth/authorize-request';
export { openingResponseStore, SqlResponseStore } from './responses-store/sql-response-store';
export type { ResponseStore, ResponseStoreOptions, StoredResponse } from './responses-store/response-store';
