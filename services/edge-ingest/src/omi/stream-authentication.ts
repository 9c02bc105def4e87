import type { StreamOwner } from '../contracts';
import { OMI_CLOSE_CODES } from './close-codes';

/**
 * Establishes who a stream belongs to from its bearer credential (undefined
 * without one): the gateway's own authenticator in one process, the same key
 * verification in the `edge-ingest` role. It throws an error with an HTTP
 * `status` (401, 403, 503) when it refuses, as the gateway's errors carry.
 */
export type EdgeAuthenticate = (credential: string | undefined) => Promise<StreamOwner>;

/** 401/403 are Omi's 1008 (the app asks the user to sign in again); anything else is 1013, retry later. */
export function closeForAuthenticationError(error: unknown): [number, string] {
  const status = typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : undefined;
  if (status === 401) return [OMI_CLOSE_CODES.policyViolation, 'The credential is not valid.'];
  if (status === 403) return [OMI_CLOSE_CODES.policyViolation, 'This credential may not stream audio.'];
  return [OMI_CLOSE_CODES.tryAgainLater, 'Credentials cannot be checked right now.'];
}

/** The token of `Authorization: Bearer …`; undefined when there is none. */
export function bearerCredential(authorization: string | string[] | undefined): string | undefined {
  const value = Array.isArray(authorization) ? authorization[0] : authorization;
  const match = value === undefined ? null : /^Bearer\s+([\x21-\x7e]{1,4096})\s*$/i.exec(value);
  return match?.[1];
}
