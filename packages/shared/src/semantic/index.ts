export * from './embedder';
export * from './guardrails';
export * from './vector-store';
