export * from './credential-source';
export * from './azure-entra-credential';
