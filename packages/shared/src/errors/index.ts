export * from './gateway-error';
export * from './provider-error';
export * from './scrub-secrets';
