// The semantic service's public surface: embedders/, stores/, cache/, guardrails/, routing/, memory/, service/, transport/.
export * from './service';
export * from './transport';
