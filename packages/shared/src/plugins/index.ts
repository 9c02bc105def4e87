export * from './gateway-plugin';
