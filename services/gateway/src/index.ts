export { startGatewayServer, type GatewayServer, type GatewayServerOptions } from './gateway-server';
export { GatewayMetrics } from './http/gateway-metrics';
export { RequestAuthenticator, VIRTUAL_KEY_PREFIX, type AuthenticationOptions } from './auth/request-authenticator';
export type { AccessDeniedEvent, GatewayAuditHooks, RequestOrigin, UserDataDeletedEvent } from './auth/gateway-audit-hooks';
export { ENDPOINT_ROLES } from './auth/authorize-request';
export { openingResponseStore, SqlResponseStore } from './responses-store/sql-response-store';
export type { ResponseStore, ResponseStoreOptions, StoredResponse } from './responses-store/response-store';
export { LiveTailHub, type LiveTailListener } from './live-tail/live-tail-hub';
export { LIVE_TAIL_CLOSE_CODES, LIVE_TAIL_PATH } from './http/live-tail-socket';
export {
  edgeAuthenticate,
  SYNC_LOCAL_FILES_PATH,
  type EdgeAuthenticate,
  type EdgeCaller,
  type EdgeIngestEndpoints,
  type EdgeIngestMount,
} from './http/edge-routes';
export { UpgradeDispatcher, type UpgradeHandler } from './http/upgrade-dispatcher';
export { createDashboardRoutes, DASHBOARD_PATH, type DashboardHandler, type DashboardOptions } from './http/dashboard-routes';
export type { ConversationQueries } from './http/conversation-routes';
