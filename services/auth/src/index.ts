// The auth service's public surface; each area exports from its own folder.
// auth-core: storage, organizations, keys, RBAC, tokens, admin API.
export * from './storage';
export * from './organizations';
export * from './keys';
export * from './rbac';
export * from './tokens';
export * from './admin-api';
