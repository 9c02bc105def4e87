export * from './credential-source';
export * from './google-service-account';
