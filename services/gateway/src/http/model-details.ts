import type { ModelEntry, SwitchyardConfig } from '@switchyard/shared';
import { catalogProviderId, ModelCatalogData } from '@switchyard/provider-adapters';

/** What `GET /v1/models` adds to a model from the catalog (absent fields: not known). */
export interface ModelDetailFields {
  context_window?: number;
  max_output_tokens?: number;
  capabilities?: { tools?: boolean; vision?: boolean; json_schema?: boolean; reasoning?: boolean };
}

/**
 * Context window, output limit and capabilities of each listed model, from
 * the catalog of its provider's kind or preset. Aliases (owned by
 * `switchyard`) have none: their targets may differ.
 */
export class ModelDetails {
  private catalogIds: ReadonlyMap<string, string>;

  constructor(
    config: SwitchyardConfig,
    private readonly catalog: ModelCatalogData = new ModelCatalogData(),
  ) {
    this.catalogIds = catalogIdsOf(config);
  }

  /** The providers of a reloaded config. */
  applyConfig(config: SwitchyardConfig): void {
    this.catalogIds = catalogIdsOf(config);
  }

  of(entry: ModelEntry): ModelDetailFields {
    const catalogId = this.catalogIds.get(entry.ownedBy);
    if (!catalogId) return {};
    // Listed by its plain name or as `providerId/model`.
    const model = entry.id.startsWith(`${entry.ownedBy}/`) ? entry.id.slice(entry.ownedBy.length + 1) : entry.id;
    const info = this.catalog.modelInfo(catalogId, model);
    if (!info) return {};
    const details: ModelDetailFields = {};
    if (info.contextWindow != null) details.context_window = info.contextWindow;
    if (info.maxOutputTokens != null) details.max_output_tokens = info.maxOutputTokens;
    const capabilities: NonNullable<ModelDetailFields['capabilities']> = {};
    if (info.tools != null) capabilities.tools = info.tools;
    if (info.vision != null) capabilities.vision = info.vision;
    if (info.jsonSchema != null) capabilities.json_schema = info.jsonSchema;
    if (info.reasoning != null) capabilities.reasoning = info.reasoning;
    if (Object.keys(capabilities).length > 0) details.capabilities = capabilities;
    return details;
  }
}

function catalogIdsOf(config: SwitchyardConfig): Map<string, string> {
  const catalogIds = new Map<string, string>();
  for (const [providerId, provider] of Object.entries(config.providers)) catalogIds.set(providerId, catalogProviderId(provider));
  return catalogIds;
}
