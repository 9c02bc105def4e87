import { ConfigError, routingViewSchema, type ProviderConfig, type SwitchyardConfig } from '@switchyard/shared';

/**
 * What routing reads of one provider: which models it serves and what they
 * cost; nothing to call it with (no key, header or URL).
 */
export type ProviderRoutingView = Pick<ProviderConfig, 'kind' | 'models' | 'prices'> & { preset?: string };

/**
 * The part of the config that routing reads. A whole `SwitchyardConfig` is
 * one; a gateway in distributed mode gets one from the router's snapshots.
 * A strategy that reads another setting adds it here, in `routingView` and
 * in `routingViewSchema` (packages/shared/src/config/routing-view-schema.ts).
 */
export interface RoutingConfig {
  providers: Readonly<Record<string, ProviderRoutingView>>;
  routes: SwitchyardConfig['routes'];
}

/** The routing view of `config`: each field is copied by name, so that no secret can ride along. */
export function routingView(config: RoutingConfig): RoutingConfig {
  const providers: Record<string, ProviderRoutingView> = {};
  for (const [id, provider] of Object.entries(config.providers)) {
    const view: ProviderRoutingView = { kind: provider.kind, prices: provider.prices };
    if (provider.preset !== undefined) view.preset = provider.preset;
    if (provider.models !== undefined) view.models = provider.models;
    providers[id] = view;
  }
  return { providers, routes: config.routes };
}

/** A routing view received as JSON; throws `ConfigError` naming the path of each problem. */
export function parseRoutingView(json: string): RoutingConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new ConfigError(`invalid routing view: not JSON (${(error as Error).message})`);
  }
  const parsed = routingViewSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  - ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigError(`invalid routing view:\n${problems.join('\n')}`);
  }
  return parsed.data;
}
