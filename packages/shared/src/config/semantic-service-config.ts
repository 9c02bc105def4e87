import { z } from 'zod';

const durationMs = z.number().int().positive();

/**
 * How gateways call the semantic service (distributed mode, at
 * `services.semantic`): the embedder, vector store and guardrail checks of
 * the semantic plugins.
 */
export const semanticServiceSchema = z
  .strictObject({
    /**
     * Deadline of one call (an embedding, a vector query, a guardrail check).
     * Far shorter than `services.callTimeoutMs`: these calls sit on the request
     * path, or run after it (cache writes), where nothing else would end them.
     */
    callTimeoutMs: durationMs.default(30_000),
  })
  .prefault({});

export type SemanticServiceConfig = z.infer<typeof semanticServiceSchema>;
