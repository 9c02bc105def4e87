export * from './breakers';
export * from './keys';
export * from './resilience-gate';
