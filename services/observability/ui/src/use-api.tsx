import { useEffect, useState } from 'react';
import { ApiError, getJson, type QueryValues } from './api-client';

export type Loaded<T> = { state: 'loading' } | { state: 'loaded'; data: T } | { state: 'failed'; error: ApiError | Error };

/** GETs `path` with `values`, again whenever they change; an older answer never replaces a newer one. */
export function useApi<T>(path: string, values: QueryValues): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const key = `${path}${JSON.stringify(values)}`;
  useEffect(() => {
    const abort = new AbortController();
    setLoaded({ state: 'loading' });
    getJson<T>(path, values, abort.signal).then(
      (data) => setLoaded({ state: 'loaded', data }),
      (error: unknown) => {
        if (!abort.signal.aborted) setLoaded({ state: 'failed', error: error instanceof Error ? error : new Error(String(error)) });
      },
    );
    return () => abort.abort();
    // `key` stands for path and values: a new object with the same content does not fetch again.
  }, [key]);
  return loaded;
}
