export * from './providers/provider-adapter';
export * from './http/upstream-client';
export * from './http/sse-parser';
export * from './provider-registry';
export * from './discovery';
export * from './transport';
export * from './catalog';
export * from './execution';
