export * from './provider-descriptor';
export * from './provider-descriptors';
export * from './provider-catalog';
export * from './responses-api';
