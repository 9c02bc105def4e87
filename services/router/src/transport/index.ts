export * from './router-grpc-client';
export * from './router-grpc-server';
