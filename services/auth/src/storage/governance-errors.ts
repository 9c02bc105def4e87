import { GatewayError } from '@switchyard/shared';

/** 409: the id or name is taken; nothing was written. */
export function alreadyExists(what: string, id: string, param: string): GatewayError {
  return new GatewayError(`${what} \`${id}\` already exists.`, { status: 409, errorClass: 'invalid_request', param, code: 'already_exists' });
}

/** 404 for a missing organization, workspace, member or key. */
export function notFound(what: string, id: string, param: string | null = null): GatewayError {
  return new GatewayError(`${what} \`${id}\` does not exist.`, { status: 404, errorClass: 'not_found', param, code: 'not_found' });
}

/** 409: the target is in a state that does not allow the change (a revoked key rotated). */
export function conflict(message: string, code: string): GatewayError {
  return new GatewayError(message, { status: 409, errorClass: 'invalid_request', code });
}

/** Whether a database error is a unique-constraint violation (Postgres and PGlite alike). */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

/** Whether a database error is a foreign-key violation. */
export function isForeignKeyViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23503';
}
