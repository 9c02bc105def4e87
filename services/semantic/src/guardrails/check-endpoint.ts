import {
  guardrailCheckNames,
  invalidRequest,
  type GuardrailCheckName,
  type GuardrailChecker,
  type PluginEndpoint,
  type PluginEndpointCall,
} from '@switchyard/shared';

/** A text longer than this is refused: checks run in the request path and must stay bounded. */
export const MAX_CHECK_TEXT_CHARACTERS = 200_000;
const DEFAULT_CHECKS: readonly GuardrailCheckName[] = ['pii', 'injection'];

/**
 * `POST /v1/guardrails/check`: `{"text", "checks"?: ["pii", "injection", "topics"]}`
 * → `{"pii": [{type, start, end, score}], "injection": {score, flagged}, "topics": {…}}`,
 * the checks asked for (pii and injection without `checks`) under the
 * caller's workspace settings.
 */
export function guardrailCheckEndpoint(checker: () => GuardrailChecker): PluginEndpoint {
  return {
    method: 'POST',
    path: '/v1/guardrails/check',
    endpoint: 'guardrails.check',
    async handle(call: PluginEndpointCall) {
      const { text, checks } = parseCheckBody(call.body);
      const report = await checker().check({ text, checks, workspace: call.workspace }, call.signal);
      return { status: 200, body: report };
    },
  };
}

export function parseCheckBody(body: unknown): { text: string; checks: readonly GuardrailCheckName[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('The request body must be a JSON object: {"text": "...", "checks": ["pii", "injection"]}.');
  }
  const { text, checks, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw invalidRequest(`Unrecognized request argument supplied: ${unknown[0]}.`, unknown[0], 'unknown_parameter');
  if (typeof text !== 'string') {
    throw invalidRequest(
      text === undefined ? 'Missing required parameter: text.' : 'text must be a string.',
      'text',
      text === undefined ? 'missing_required_parameter' : 'invalid_type',
    );
  }
  if (text.length > MAX_CHECK_TEXT_CHARACTERS) {
    throw invalidRequest(
      `text is ${text.length} characters long; at most ${MAX_CHECK_TEXT_CHARACTERS} are checked at once.`,
      'text',
      'string_above_max_length',
    );
  }
  if (checks === undefined) return { text, checks: DEFAULT_CHECKS };
  if (!Array.isArray(checks) || checks.length === 0) {
    throw invalidRequest(`checks must be a non-empty array of ${guardrailCheckNames.join(', ')}.`, 'checks', 'invalid_type');
  }
  for (const [index, check] of checks.entries()) {
    if (!guardrailCheckNames.includes(check as GuardrailCheckName)) {
      throw invalidRequest(
        `checks[${index}] must be one of ${guardrailCheckNames.join(', ')}; got ${JSON.stringify(check)}.`,
        `checks[${index}]`,
        'invalid_value',
      );
    }
  }
  return { text, checks: [...new Set(checks as GuardrailCheckName[])] };
}
