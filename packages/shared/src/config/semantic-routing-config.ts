import { z } from 'zod';

const intentRouteSchema = z.strictObject({
  /** Names the intent in the response header and the record (`billing`). */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be letters, digits, _, . or - (at most 64)'),
  /** One sentence saying what the intent covers; embedded as one more example. */
  description: z.string().min(1).optional(),
  /** Example user messages of this intent. */
  utterances: z.array(z.string().min(1)).min(1),
  /** The model or route alias a request of this intent goes to. */
  target: z.string().min(1),
});

/**
 * Intent routing (services/semantic/src/routing): a request whose `model` is
 * `model` is sent to the target of the route whose example utterances its
 * last user message is nearest to, or to `default` when no route is
 * confident enough. Absent: off.
 */
export const semanticRoutingConfigSchema = z
  .strictObject({
    /** The model name clients send to ask for routing by intent. */
    model: z.string().min(1).default('switchyard/semantic'),
    /**
     * `centroid`: each route is the mean of its examples; `knn`: the `k`
     * nearest examples vote, weighted by similarity.
     */
    method: z.enum(['centroid', 'knn']).default('centroid'),
    k: z.number().int().positive().default(5),
    /**
     * Cosine similarity the winning route must reach; below it the request goes
     * to `default`. Depends on the embedder: 0.2 suits the offline default with
     * `centroid` (services/semantic/README.md has the measured figures).
     */
    threshold: z.number().min(-1).max(1).default(0.2),
    /** Target when no route reaches the threshold; without one such a request is a 400 (`no_semantic_route`). */
    default: z.string().min(1).optional(),
    routes: z.array(intentRouteSchema).min(1),
  })
  .superRefine((config, context) => {
    const seen = new Set<string>();
    config.routes.forEach((route, index) => {
      if (seen.has(route.name))
        context.addIssue({ code: 'custom', path: ['routes', index, 'name'], message: `duplicate route name "${route.name}"` });
      seen.add(route.name);
      if (route.target === config.model) {
        context.addIssue({
          code: 'custom',
          path: ['routes', index, 'target'],
          message: `must not be "${config.model}" itself (it would route in a loop)`,
        });
      }
    });
    if (config.default === config.model) {
      context.addIssue({ code: 'custom', path: ['default'], message: `must not be "${config.model}" itself (it would route in a loop)` });
    }
  })
  .optional();

export type SemanticRoutingConfig = NonNullable<z.infer<typeof semanticRoutingConfigSchema>>;
export type IntentRouteConfig = SemanticRoutingConfig['routes'][number];
