import type { PluginServices } from '@switchyard/shared';

/**
 * What the semantic service serves: the in-process embedder, vector store
 * and guardrail checker, each created on first use (a gateway that never
 * asks for guardrails loads no guardrail model).
 */
export type SemanticBackends = Pick<PluginServices, 'embedder' | 'vectorStore' | 'guardrails'>;
