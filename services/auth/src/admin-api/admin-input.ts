import { invalidRequest, ROLES, type Role } from '@switchyard/shared';

/**
 * Reading admin request bodies: a JSON object with only the fields the
 * operation knows; a missing, mistyped or unknown field is a 400 naming it,
 * before anything is written.
 */
export function bodyObject(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalidRequest('The request body must be a JSON object.', null, 'invalid_body');
  for (const field of Object.keys(body)) {
    if (!allowed.includes(field))
      throw invalidRequest(
        `Unknown field \`${field}\`; this operation takes ${allowed.map((name) => `\`${name}\``).join(', ')}.`,
        field,
        'unknown_field',
      );
  }
  return body as Record<string, unknown>;
}

export function requiredField(body: Record<string, unknown>, field: string): unknown {
  if (body[field] === undefined || body[field] === null) throw invalidRequest(`\`${field}\` is required.`, field, 'missing_field');
  return body[field];
}

export function roleField(value: unknown, field: string, fallback?: Role): Role {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || !(ROLES as readonly string[]).includes(value)) {
    throw invalidRequest(`\`${field}\` must be one of ${ROLES.join(', ')}.`, field, 'invalid_role');
  }
  return value as Role;
}

/** An ISO 8601 time in the future, or null/absent for never. */
export function futureDateField(value: unknown, field: string, now: number): Date | null {
  if (value === undefined || value === null) return null;
  const date = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime())) throw invalidRequest(`\`${field}\` must be an ISO 8601 date-time such as 2030-01-01T00:00:00Z.`, field);
  if (date.getTime() <= now) throw invalidRequest(`\`${field}\` must be in the future.`, field);
  return date;
}

export function integerField(
  value: unknown,
  field: string,
  { minimum, maximum, fallback }: { minimum: number; maximum: number; fallback: number },
): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum || value > maximum) {
    throw invalidRequest(`\`${field}\` must be a whole number from ${minimum} to ${maximum}.`, field);
  }
  return value;
}
