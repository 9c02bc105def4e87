import type { IncomingHttpHeaders } from 'node:http';
import {
  GatewayError,
  invalidRequest,
  type ExperimentSubject,
  type PromptReference,
  type PromptResolver,
  type ResolvedPrompt,
} from '@switchyard/shared';

/** `name`, `name@label` or `name#version`: for clients that cannot add a body field. */
export const PROMPT_HEADER = 'x-switchyard-prompt';

const HEADER_FORM = /^([^@#\s]+)(?:@([^@#\s]+)|#(\d{1,10}))?$/;
const REFERENCE_FIELDS = new Set(['name', 'label', 'version', 'variables']);
const MAXIMUM_HEADER_LENGTH = 256;

/**
 * The prompt a chat body references, from its `prompt` field
 * (`{"name", "label" | "version", "variables"}`) or the `x-switchyard-prompt`
 * header (the body's `prompt` then carries only `variables`); undefined when
 * neither names one. A malformed reference is a 400 naming the field.
 */
export function readPromptReference(body: unknown, headers: IncomingHttpHeaders): PromptReference | undefined {
  const header = headers[PROMPT_HEADER];
  const field = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>).prompt : undefined;
  if (header === undefined && (field === undefined || field === null)) return undefined;
  if (field !== undefined && field !== null && (typeof field !== 'object' || Array.isArray(field)))
    throw invalidRequest("Invalid 'prompt': expected an object {name, label | version, variables}.", 'prompt', 'invalid_type');
  const given = (field ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(given).find((key) => !REFERENCE_FIELDS.has(key));
  if (unknown !== undefined)
    throw invalidRequest(
      `Invalid 'prompt': unknown field '${unknown}'; it takes name, label or version, and variables.`,
      `prompt.${unknown}`,
      'unknown_parameter',
    );
  const variables = given.variables ?? {};
  if (typeof variables !== 'object' || variables === null || Array.isArray(variables))
    throw invalidRequest("Invalid 'prompt.variables': expected an object of variable name → value.", 'prompt.variables', 'invalid_type');
  if (header !== undefined) {
    if (given.name !== undefined || given.label !== undefined || given.version !== undefined)
      throw invalidRequest(`Name the prompt in the \`${PROMPT_HEADER}\` header or in the body's \`prompt\`, not both.`, 'prompt', 'invalid_value');
    return { ...parsePromptHeader(header), variables: variables as Record<string, unknown> };
  }
  if (typeof given.name !== 'string' || given.name === '')
    throw invalidRequest("Missing required parameter: 'prompt.name'.", 'prompt.name', 'missing_required_parameter');
  if (given.label !== undefined && given.version !== undefined)
    throw invalidRequest("Give 'prompt.label' or 'prompt.version', not both.", 'prompt.version', 'invalid_value');
  if (given.label !== undefined && typeof given.label !== 'string')
    throw invalidRequest("Invalid 'prompt.label': expected a string.", 'prompt.label', 'invalid_type');
  if (given.version !== undefined && (typeof given.version !== 'number' || !Number.isInteger(given.version) || given.version < 1))
    throw invalidRequest("Invalid 'prompt.version': expected a whole number from 1.", 'prompt.version', 'invalid_type');
  return {
    name: given.name,
    ...(given.label === undefined ? {} : { label: given.label }),
    ...(given.version === undefined ? {} : { version: given.version }),
    variables: variables as Record<string, unknown>,
  };
}

function parsePromptHeader(header: string | string[]): Omit<PromptReference, 'variables'> {
  const value = Array.isArray(header) ? undefined : header.trim();
  const match = value !== undefined && value.length <= MAXIMUM_HEADER_LENGTH ? HEADER_FORM.exec(value) : null;
  if (match === null)
    throw invalidRequest(
      `Invalid \`${PROMPT_HEADER}\` header: expected one \`name\`, \`name@label\` or \`name#version\`.`,
      PROMPT_HEADER,
      'invalid_header',
    );
  return { name: match[1], ...(match[2] === undefined ? {} : { label: match[2] }), ...(match[3] === undefined ? {} : { version: Number(match[3]) }) };
}

/** The chat wires a prompt reference may come in on. */
export type PromptWire = 'openai' | 'anthropic';

/** Parameters the Messages API names as the OpenAI wire does; a version's other parameters apply to the OpenAI wire only. */
const ANTHROPIC_PARAMETERS = ['max_tokens', 'temperature', 'top_p', 'top_k'];

/**
 * Resolves the body's prompt reference, if any, and returns the chat body
 * the prompt makes of it: the rendered messages first, then the body's own
 * `messages` (a conversation continuing the prompt); the version's model,
 * parameters, tools and response format wherever the body leaves them out.
 * An A/B test's model for the request wins over the body's own. On the
 * Messages API the rendered system and developer messages go before the
 * body's `system`, and only the parameters it shares with the OpenAI wire
 * (`max_tokens`, `temperature`, `top_p`, `top_k`) are filled in.
 */
export async function applyPromptReference(
  body: unknown,
  headers: IncomingHttpHeaders,
  resolver: PromptResolver | undefined,
  workspace: string,
  subject: ExperimentSubject,
  wire: PromptWire = 'openai',
): Promise<{ body: unknown; resolved?: ResolvedPrompt }> {
  const reference = readPromptReference(body, headers);
  if (reference === undefined) return { body };
  if (resolver === undefined) {
    throw new GatewayError('This gateway has no prompt store (prompts live in the records database, which is not configured).', {
      status: 501,
      errorClass: 'unavailable',
      param: 'prompt',
      code: 'prompts_unavailable',
    });
  }
  const resolved = await resolver.resolve(workspace, reference, subject);
  const { prompt: _reference, ...rest } = body as Record<string, unknown>;
  if (rest.messages !== undefined && rest.messages !== null && !Array.isArray(rest.messages))
    throw invalidRequest("Invalid 'messages': expected an array.", 'messages', 'invalid_type');
  const own = Array.isArray(rest.messages) ? (rest.messages as unknown[]) : [];
  const { config } = resolved;
  const merged: Record<string, unknown> = { ...rest };
  if (wire === 'openai') {
    merged.messages = [...resolved.messages, ...own];
    for (const [name, value] of Object.entries(config.parameters ?? {})) if (merged[name] === undefined) merged[name] = value;
    if (merged.tools === undefined && config.tools !== undefined) merged.tools = config.tools;
    if (merged.response_format === undefined && config.response_format !== undefined) merged.response_format = config.response_format;
  } else {
    const system = resolved.messages.filter((message) => message.role === 'system' || message.role === 'developer').map((message) => message.content);
    merged.messages = [...resolved.messages.filter((message) => message.role === 'user' || message.role === 'assistant'), ...own];
    if (system.length > 0) merged.system = withSystem(system.join('\n\n'), rest.system);
    for (const name of ANTHROPIC_PARAMETERS)
      if (merged[name] === undefined && config.parameters?.[name] !== undefined) merged[name] = config.parameters[name];
  }
  if (merged.model === undefined && config.model !== undefined) merged.model = config.model;
  if (resolved.experiment?.model !== undefined) merged.model = resolved.experiment.model;
  return { body: merged, resolved };
}

/** The prompt's system text before the body's own `system` (a string or text blocks); anything else is left for the parser to refuse. */
function withSystem(prompt: string, own: unknown): unknown {
  if (own === undefined || own === null) return prompt;
  if (typeof own === 'string') return `${prompt}\n\n${own}`;
  if (Array.isArray(own)) return [{ type: 'text', text: prompt }, ...(own as unknown[])];
  return own;
}
