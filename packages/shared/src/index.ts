export * from './canonical';
export * from './config';
export * from './errors';
export * from './grpc';
export * from './logger';
export * from './services';
