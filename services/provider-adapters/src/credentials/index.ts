export * from './credential-source';
