export * from './adapter-grpc-client';
export * from './adapter-grpc-server';
