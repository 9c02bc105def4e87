export * from './principal';
export * from './governance-gate';
export * from './token-verifier';
export * from './auth-errors';
