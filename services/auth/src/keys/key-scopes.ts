import { invalidRequest, type KeyScopes } from '@switchyard/shared';

/**
 * A key's scopes: the models and endpoints it may use. An absent list allows
 * everything; an empty list allows nothing. A pattern is a model name, a
 * `provider/model`, or either with a trailing `*` (`gpt-4o*`, `openai/*`).
 */
export function scopeAllowsModel(scopes: KeyScopes, model: string, provider?: string): boolean {
  if (scopes.models === undefined) return true;
  const candidates = provider === undefined || model.includes('/') ? [model] : [model, `${provider}/${model}`];
  return scopes.models.some((pattern) => candidates.some((candidate) => matches(pattern, candidate)));
}

/** Endpoints are names such as `chat.completions`, `embeddings`, `requests.read`, `usage.read`; `*` patterns as for models. */
export function scopeAllowsEndpoint(scopes: KeyScopes, endpoint: string): boolean {
  if (scopes.endpoints === undefined) return true;
  return scopes.endpoints.some((pattern) => matches(pattern, endpoint));
}

function matches(pattern: string, value: string): boolean {
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : pattern === value;
}

const PATTERN = /^[A-Za-z0-9._:/@-]{1,200}\*?$|^\*$/;
const MAXIMUM_PATTERNS = 100;

/** Scopes from an admin request body (`{"models": [...], "endpoints": [...]}`), checked; a 400 names the field. */
export function parseScopes(value: unknown, field = 'scopes'): KeyScopes {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalidRequest(`\`${field}\` must be an object with optional \`models\` and \`endpoints\` lists.`, field);
  const scopes: { models?: string[]; endpoints?: string[] } = {};
  for (const [name, list] of Object.entries(value)) {
    if (name !== 'models' && name !== 'endpoints')
      throw invalidRequest(`\`${field}.${name}\` is not a scope; use \`models\` or \`endpoints\`.`, `${field}.${name}`);
    if (!Array.isArray(list) || list.length > MAXIMUM_PATTERNS || !list.every((pattern) => typeof pattern === 'string' && PATTERN.test(pattern))) {
      throw invalidRequest(
        `\`${field}.${name}\` must be a list of at most ${MAXIMUM_PATTERNS} names (letters, digits, . _ : / @ -, up to 200 characters, optionally ending in *).`,
        `${field}.${name}`,
      );
    }
    scopes[name] = list as string[];
  }
  return scopes;
}
