// The auth service's public surface; each area exports from its own folder.
export {};
export * from './audit';
export * from './secrets';
