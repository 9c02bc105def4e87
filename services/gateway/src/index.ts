export { startGatewayServer, type GatewayServer, type GatewayServerOptions } from './gateway-server';
export { GatewayMetrics } from './http/gateway-metrics';
