export { SecretDecryptionError, type KeyManagementService, type SecretDecryptionProblem } from './key-management-service';
export { LocalKeyManagementService, localKeyManagementFromEnvironment } from './local-key-management-service';
export { openSecret, rewrapSecret, sealSecret, type SealedSecret } from './envelope-encryption';
export {
  SECRETS_MIGRATIONS_TABLE,
  secretsMigrations,
  SecretNameTakenError,
  SecretNotFoundError,
  secretVisibleTo,
  SqlSecretStore,
  type NewSecret,
  type SecretAccess,
  type SecretMetadata,
  type SecretStore,
} from './secret-store';
export { openSecretStore } from './open-secret-store';
export {
  createProviderCredentialsRouter,
  PROVIDER_CREDENTIAL_ACTIONS,
  sourceOf,
  type ProviderCredentialAction,
  type ProviderCredentialsRouterOptions,
} from './provider-credentials-router';
