import { internalError, type GatewayError } from '@switchyard/shared';

/**
 * Small conversions shared by the canonical ↔ proto codecs. Proto3 cannot
 * tell an empty string, list or map from an absent one, so the codecs read
 * those back as absent; everything with `optional` or message presence on
 * the wire round-trips exactly.
 */

/** A message that arrived without something the canonical model requires. */
export function malformedMessage(detail: string): GatewayError {
  return internalError(`Malformed protobuf message: ${detail}`);
}

/** Returns `value` without its `undefined` properties, so decoded objects equal what was encoded. */
export function withoutUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] === undefined) delete value[key];
  }
  return value;
}

export function optionalInt64(value: number | undefined): bigint | undefined {
  return value === undefined ? undefined : BigInt(value);
}

export function optionalNumber(value: bigint | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

export function nonEmpty<T>(values: T[]): T[] | undefined {
  return values.length > 0 ? values : undefined;
}

export function nonEmptyString(value: string): string | undefined {
  return value === '' ? undefined : value;
}

export function parseJsonObject(text: string, field: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw malformedMessage(`${field} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformedMessage(`${field} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Checks a wire string against the values a canonical string union allows. */
export function oneOf<T extends string>(allowed: readonly T[], value: string, field: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw malformedMessage(`${field} has unknown value "${value}"`);
}

export function required<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw malformedMessage(`${field} is missing`);
  return value;
}
