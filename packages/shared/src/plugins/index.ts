export * from './gateway-plugin';
export * from './plugin-factory';
