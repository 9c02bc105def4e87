export * from './principal';
export * from './governance-gate';
