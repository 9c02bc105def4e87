import { GatewayError } from '@switchyard/shared';

/** Vectors of another length than the namespace holds: another embedder wrote it (embedder ids belong in the namespace). */
export function vectorDimensionsMismatch(namespace: string, expected: number | undefined, actual: number): GatewayError {
  return new GatewayError(
    `the vector store namespace "${namespace}" holds vectors of ${expected ?? 'a non-zero number of'} dimensions, not ${actual}`,
    { status: 500, errorClass: 'internal', code: 'vector_dimensions_mismatch' },
  );
}

/** The store could not be reached or refused the call; retryable like any unavailable dependency. */
export function vectorStoreUnavailable(store: string, cause: unknown): GatewayError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new GatewayError(`the vector store (${store}) failed: ${reason}`, {
    status: 503,
    errorClass: 'unavailable',
    code: 'vector_store_unavailable',
    retryable: true,
    cause,
  });
}

/** The store was closed: a call after `close()` is a bug of the caller's lifecycle. */
export function vectorStoreClosed(store: string): GatewayError {
  return new GatewayError(`the vector store (${store}) is closed`, { status: 503, errorClass: 'unavailable', code: 'vector_store_closed' });
}
