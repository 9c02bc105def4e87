export * from './observability-codec';
export * from './observability-grpc-client';
export * from './observability-grpc-server';
export * from './metrics-http-server';
export * from './analytics-codec';
