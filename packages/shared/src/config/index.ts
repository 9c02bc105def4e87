export * from './config-schema';
export * from './load-config';
export * from './edge-exposure';
export * from './route-schema';
export * from './breakers-config';
export * from './control-plane-config';
export * from './routing-view-schema';
export * from './resilience-config';
