import { invalidRequest } from '@switchyard/shared';

export const VARIABLE_TYPES = ['string', 'number', 'boolean', 'json'] as const;
export type VariableType = (typeof VARIABLE_TYPES)[number];

/** One declared variable: its type, whether a request must give it, and what it is when not given. */
export interface VariableSpec {
  type: VariableType;
  required: boolean;
  default?: unknown;
}

export type VariableSpecs = Record<string, VariableSpec>;

export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAXIMUM_VARIABLES = 100;

/**
 * Reads the `variables` of a new version: `{"<name>": {"type", "required"?, "default"?}}`.
 * A variable with a default is optional unless `required` says otherwise; one
 * without is required. A default must have the declared type.
 */
export function parseVariableSpecs(value: unknown): VariableSpecs {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalidRequest('`variables` must be an object of variable name → {type, required, default}.', 'variables');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAXIMUM_VARIABLES) throw invalidRequest(`\`variables\` declares more than ${MAXIMUM_VARIABLES} variables.`, 'variables');
  const specs: VariableSpecs = {};
  for (const [name, raw] of entries) {
    const param = `variables.${name}`;
    if (!VARIABLE_NAME.test(name))
      throw invalidRequest(`Variable name \`${name}\` must be 1 to 64 of A-Z a-z 0-9 _, not starting with a digit.`, param);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw invalidRequest(`\`${param}\` must be an object {type, required, default}.`, param);
    const spec = raw as Record<string, unknown>;
    for (const field of Object.keys(spec)) {
      if (field !== 'type' && field !== 'required' && field !== 'default')
        throw invalidRequest(
          `Unknown field \`${param}.${field}\`; a variable takes \`type\`, \`required\`, \`default\`.`,
          `${param}.${field}`,
          'unknown_field',
        );
    }
    if (!(VARIABLE_TYPES as readonly unknown[]).includes(spec.type))
      throw invalidRequest(`\`${param}.type\` must be one of ${VARIABLE_TYPES.join(', ')}.`, `${param}.type`);
    const type = spec.type as VariableType;
    if (spec.required !== undefined && typeof spec.required !== 'boolean')
      throw invalidRequest(`\`${param}.required\` must be true or false.`, `${param}.required`);
    const hasDefault = spec.default !== undefined;
    if (hasDefault && !hasType(spec.default, type)) throw invalidRequest(`\`${param}.default\` must be a ${type}.`, `${param}.default`);
    const required = typeof spec.required === 'boolean' ? spec.required : !hasDefault;
    specs[name] = { type, required, ...(hasDefault ? { default: spec.default } : {}) };
  }
  return specs;
}

export function hasType(value: unknown, type: VariableType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'json':
      return value !== undefined;
  }
}

/**
 * The values a template renders with: the request's, then the defaults.
 * Every missing or mistyped variable is named in one 400 (variables the
 * version does not declare are ignored, so versions of one prompt can differ).
 */
export function bindVariables(prompt: string, specs: VariableSpecs, given: Record<string, unknown>): Record<string, string> {
  const missing: string[] = [];
  const mistyped: string[] = [];
  const bound: Record<string, string> = {};
  // In name order: the database may keep the declarations in another order than they were written.
  for (const [name, spec] of Object.entries(specs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const value = Object.hasOwn(given, name) && given[name] !== null ? given[name] : spec.default;
    if (value === undefined) {
      if (spec.required) missing.push(name);
      else bound[name] = '';
      continue;
    }
    if (!hasType(value, spec.type)) {
      mistyped.push(`\`${name}\` must be a ${spec.type}`);
      continue;
    }
    // Strings, finite numbers and booleans (checked above) print as themselves; JSON as JSON.
    bound[name] = typeof value === 'string' && spec.type === 'string' ? value : JSON.stringify(value);
  }
  if (missing.length > 0 || mistyped.length > 0) {
    const problems = [
      ...(missing.length > 0 ? [`missing variable${missing.length > 1 ? 's' : ''} ${missing.map((name) => `\`${name}\``).join(', ')}`] : []),
      ...mistyped,
    ];
    const first = missing[0] ?? mistyped[0].slice(1, mistyped[0].indexOf('`', 1));
    throw invalidRequest(
      `Prompt \`${prompt}\`: ${problems.join('; ')}.`,
      `prompt.variables.${first}`,
      missing.length > 0 ? 'missing_variable' : 'invalid_variable',
    );
  }
  return bound;
}
