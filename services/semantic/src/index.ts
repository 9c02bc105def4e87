// The semantic service's public surface: embedders/, stores/, cache/, guardrails/, routing/, memory/.
export * from './routing';
export * from './memory';
