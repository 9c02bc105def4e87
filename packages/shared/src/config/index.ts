export * from './config-schema';
export * from './load-config';
export * from './edge-exposure';
export * from './resilience-config';
