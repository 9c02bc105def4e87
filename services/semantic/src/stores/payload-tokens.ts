import type { VectorPayload } from '@switchyard/shared';

/**
 * `key=type:value` for every payload value: what `where` matches on, as
 * Weaviate's filterable tokens and the embedded store's postings. The type
 * keeps 1 and "1" apart.
 */
export function filterTokens(payload: VectorPayload): string[] {
  return Object.entries(payload).map(
    ([key, value]) => `${encodeURIComponent(key)}=${typeof value === 'string' ? 's' : typeof value === 'number' ? 'n' : 'b'}:${String(value)}`,
  );
}
