export * from './config-schema';
export * from './load-config';
export * from './edge-exposure';
export * from './server-tls-config';
