import type { ReactNode } from 'react';
import { ApiError } from '../api-client';
import type { Loaded } from '../use-api';

/** Shows a loading line or the error, else the content made from the data. */
export function LoadState<T>({ loaded, children, what }: { loaded: Loaded<T>; what: string; children: (data: T) => ReactNode }) {
  if (loaded.state === 'loading') return <p className="muted">Loading {what}…</p>;
  if (loaded.state === 'failed') {
    const { error } = loaded;
    const missing = error instanceof ApiError && error.status === 404 && error.code === 'unknown_url';
    return (
      <p className="error" role="alert">
        {missing ? `This Switchyard does not serve ${what} yet.` : `Could not load ${what}: ${error.message}`}
      </p>
    );
  }
  return <>{children(loaded.data)}</>;
}
