export * from './check-endpoint';
export * from './guardrail-settings';
export * from './guardrails-plugin';
export * from './local-guardrail-checker';
export * from './injection';
export * from './pii';
export * from './topics';
