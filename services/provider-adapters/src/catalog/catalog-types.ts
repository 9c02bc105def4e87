import type { ModelPrice } from '@switchyard/shared';

/**
 * A model-name rule, as the price data writes it: comparisons ignore case,
 * `regex` is a JavaScript regular expression searched in the name.
 */
export type ModelMatch =
  | { equals: string }
  | { startsWith: string }
  | { endsWith: string }
  | { contains: string }
  | { regex: string }
  | { or: ModelMatch[] }
  | { and: ModelMatch[] };

/**
 * A price that holds from a date on (`startDate`, UTC day) or within a daily
 * UTC window (`startTime`..`endTime`, `HH:MM:SS`), such as off-peak rates.
 * Of a model's prices, the last one in force applies.
 */
export interface ConditionalPrice {
  startDate?: string;
  startTime?: string;
  endTime?: string;
  price: ModelPrice;
}

/** A priced model family: the first entry whose `match` accepts the model name prices it. */
export interface CatalogPriceEntry {
  id: string;
  match: ModelMatch;
  contextWindow?: number;
  prices: ConditionalPrice[];
}

/** What a model can take; absent = not known (nothing is refused for it). */
export interface ModelCapabilities {
  tools?: boolean;
  vision?: boolean;
  jsonSchema?: boolean;
  reasoning?: boolean;
}

/** One model by its exact name at that provider. */
export interface CatalogModel extends ModelCapabilities {
  mode: 'chat' | 'embedding';
  contextWindow?: number;
  maxOutputTokens?: number;
  /** Used when no `prices` entry of the provider matches the name. */
  price?: ModelPrice;
}

export interface CatalogProvider {
  /** Ordered: the first match wins. */
  prices: CatalogPriceEntry[];
  models: Record<string, CatalogModel>;
  /** Catalog providers whose prices apply to models this one does not price (Azure serves OpenAI's). */
  fallback?: string[];
}

export interface CatalogSource {
  path: string;
  sha256: string;
  /** The day (UTC) the catalog was first generated from this version (this hash) of the file. */
  date: string;
}

export interface CatalogData {
  sources: CatalogSource[];
  /** Keyed by Switchyard provider id: a native kind or an OpenAI-compatible preset. */
  providers: Record<string, CatalogProvider>;
}
