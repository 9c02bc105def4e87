export * from './gateway-error';
export * from './provider-error';
