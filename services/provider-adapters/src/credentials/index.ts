export * from './credential-source';
export * from './aws-sigv4-credential';
export * from './azure-entra-credential';
export * from './google-service-account';
