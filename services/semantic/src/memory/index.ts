export * from './conversation';
export * from './memory-plugin';
