export * from './adapter-grpc-client';
export * from './adapter-grpc-server';
export * from './plan-executor-grpc-client';
