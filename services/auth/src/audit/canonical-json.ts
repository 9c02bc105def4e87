/**
 * The canonical JSON form that audit records are hashed and checkpoints are
 * signed in: one byte sequence per value, whoever serialises it, so a hash
 * computed when a record was written can be recomputed from the database
 * or an export later. It follows RFC 8785 (JSON Canonicalization Scheme):
 *
 * - no whitespace; `null`, `true`, `false` as literals;
 * - strings as `JSON.stringify` writes them (only `"`, `\` and control
 *   characters escaped; lone surrogates as `\udXXX`);
 * - numbers in ECMAScript's shortest round-trip form (`1e+21`, `0.1`),
 *   `-0` as `0`; NaN and the infinities are refused;
 * - object members sorted by their names' UTF-16 code units, members whose
 *   value is `undefined` left out; arrays in their own order.
 *
 * Anything else (`undefined` in an array, a Date, a BigInt, a class
 * instance, a function) is refused rather than guessed at: the caller
 * converts it to plain JSON first.
 */
export function canonicalJson(value: unknown): string {
  return serialise(value, '$');
}

export class CanonicalJsonError extends Error {
  constructor(path: string, what: string) {
    super(`${path}: ${what} has no canonical JSON form; convert it to a string, number, boolean, null, array or plain object.`);
    this.name = 'CanonicalJsonError';
  }
}

function serialise(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(path, String(value));
      // `JSON.stringify` writes ECMAScript's Number-to-String form, which RFC 8785 adopts; -0 becomes 0.
      return JSON.stringify(value);
    case 'object':
      if (Array.isArray(value)) return `[${value.map((item, index) => serialiseItem(item, `${path}[${index}]`)).join(',')}]`;
      if (!isPlainObject(value)) throw new CanonicalJsonError(path, `an object of class ${value.constructor?.name ?? 'unknown'}`);
      return serialiseObject(value as Record<string, unknown>, path);
    default:
      throw new CanonicalJsonError(path, `a value of type ${typeof value}`);
  }
}

function serialiseItem(item: unknown, path: string): string {
  if (item === undefined) throw new CanonicalJsonError(path, 'undefined');
  return serialise(item, path);
}

function serialiseObject(object: Record<string, unknown>, path: string): string {
  // The default sort compares UTF-16 code units, as RFC 8785 asks.
  const names = Object.keys(object)
    .filter((name) => object[name] !== undefined)
    .sort();
  return `{${names.map((name) => `${JSON.stringify(name)}:${serialise(object[name], `${path}.${name}`)}`).join(',')}}`;
}

/** An object literal or `Object.create(null)`, from any realm (a worker's or a vm context's `Object.prototype` is another object). */
function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}
