export * from './auth';
export * from './canonical';
export * from './config';
export * from './errors';
export * from './logger';
export * from './providers';
export * from './routing';
export * from './services';
