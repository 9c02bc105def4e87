export { startGatewayServer, type GatewayServer, type GatewayServerOptions } from './gateway-server';
export { GatewayMetrics } from './http/gateway-metrics';
export { RequestAuthenticator, VIRTUAL_KEY_PREFIX, type AuthenticationOptions } from './auth/request-authenticator';
export type { AccessDeniedEvent, GatewayAuditHooks, RequestOrigin, UserDataDeletedEvent } from './auth/gateway-audit-hooks';
export { ENDPOINT_ROLES } from './auth/authorize-request';
export { LiveTailHub, type LiveTailListener } from './live-tail/live-tail-hub';
export { LIVE_TAIL_CLOSE_CODES, LIVE_TAIL_PATH } from './http/live-tail-socket';
export { createDashboardRoutes, DASHBOARD_PATH, type DashboardHandler, type DashboardOptions } from './http/dashboard-routes';
