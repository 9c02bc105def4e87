export * from './remote-plugin-services';
export * from './semantic-backends';
export * from './semantic-grpc-client';
export * from './semantic-grpc-server';
