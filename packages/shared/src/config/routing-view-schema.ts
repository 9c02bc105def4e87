import { z } from 'zod';
import { modelPriceSchema, providerKinds } from './config-schema';
import { routeTargetSchema } from './route-schema';

/**
 * The routing view of the config as a router's snapshot carries it to the
 * gateways (services/router/src/snapshots/routing-view.ts builds it), checked
 * with the config's own rules. Fields it does not know are dropped rather
 * than refused, so that a router newer than its gateways keeps them served.
 */
export const routingViewSchema = z.object({
  providers: z.record(
    z.string().min(1),
    z.object({
      kind: z.enum(providerKinds),
      preset: z.string().min(1).optional(),
      models: z.array(z.string().min(1)).min(1).optional(),
      prices: z.record(z.string().min(1), modelPriceSchema).default({}),
    }),
  ),
  routes: z.record(z.string().min(1), routeTargetSchema),
});
