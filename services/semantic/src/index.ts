// The semantic service's public surface: embedders/, stores/, cache/, guardrails/, routing/, memory/.
export * from './embedders';
export * from './routing';
export * from './memory';
