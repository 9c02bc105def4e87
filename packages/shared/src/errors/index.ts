export * from './gateway-error';
export * from './provider-error';
export * from './scrub-secrets';
export * from './openai-error-body';
