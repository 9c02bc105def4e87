// The semantic service's public surface: embedders/, stores/, cache/, guardrails/, routing/, memory/, transport/.
export * from './transport';
