import { GatewayError, type RenderedMessage } from '@switchyard/shared';
import { VARIABLE_NAME, type VariableSpecs } from './prompt-variables';

/**
 * Templates: text with `{{name}}` placeholders (spaces inside the braces
 * allowed); `\{{` writes literal braces, and a `}}` outside a placeholder is
 * plain text (JSON examples keep working). Nothing else is syntax, so a
 * template cannot run code or reach anything but its declared variables.
 */
export type PromptType = 'text' | 'chat';

export const CHAT_ROLES = ['system', 'developer', 'user', 'assistant'] as const;

export interface ChatTemplateMessage {
  role: RenderedMessage['role'];
  content: string;
}

export type PromptTemplate = string | ChatTemplateMessage[];

type Piece = { text: string } | { variable: string };

const MAXIMUM_TEMPLATE_CHARACTERS = 32 * 1024;
const MAXIMUM_CHAT_MESSAGES = 100;

/** 400 for a template that does not parse, saying where: the chat message (0-based), line and column (1-based), offset (0-based). */
function templateError(problem: string, source: string, offset: number, message: number | undefined): GatewayError {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  const where = `${message === undefined ? '' : `message ${message}, `}line ${line}, column ${column} (offset ${offset})`;
  return new GatewayError(`The template does not parse at ${where}: ${problem}.`, {
    status: 400,
    errorClass: 'invalid_request',
    param: message === undefined ? 'template' : `template[${message}].content`,
    code: 'invalid_template',
  });
}

/** Splits one template text into literal text and placeholders, or throws a 400 with the position. */
export function parseTemplateText(source: string, message?: number): Piece[] {
  const pieces: Piece[] = [];
  let text = '';
  let index = 0;
  while (index < source.length) {
    if (source.startsWith('\\{{', index)) {
      text += '{{';
      index += 3;
      continue;
    }
    if (!source.startsWith('{{', index)) {
      text += source[index];
      index += 1;
      continue;
    }
    const close = source.indexOf('}}', index + 2);
    const nextOpen = source.indexOf('{{', index + 2);
    if (close === -1) throw templateError('`{{` is never closed by `}}`', source, index, message);
    if (nextOpen !== -1 && nextOpen < close) throw templateError('`{{` opens again before `}}` closes the first', source, nextOpen, message);
    const name = source.slice(index + 2, close).trim();
    if (!VARIABLE_NAME.test(name)) {
      const shown = name.length > 40 ? `${name.slice(0, 40)}…` : name;
      throw templateError(`\`{{${shown}}}\` is not a variable name (A-Z a-z 0-9 _, not starting with a digit)`, source, index, message);
    }
    if (text) pieces.push({ text });
    text = '';
    pieces.push({ variable: name });
    index = close + 2;
  }
  if (text) pieces.push({ text });
  return pieces;
}

function renderPieces(pieces: readonly Piece[], values: Readonly<Record<string, string>>): string {
  return pieces.map((piece) => ('text' in piece ? piece.text : (values[piece.variable] ?? ''))).join('');
}

/** A template as parsed, ready to render many times. */
export class CompiledTemplate {
  private constructor(
    readonly type: PromptType,
    private readonly messages: ReadonlyArray<{ role: RenderedMessage['role']; pieces: Piece[] }>,
  ) {}

  /**
   * Checks a new version's template: its shape, its syntax (400 with the
   * position) and that it names only declared variables (400 naming them).
   */
  static compile(type: unknown, template: unknown, variables: VariableSpecs): CompiledTemplate {
    if (type !== 'text' && type !== 'chat')
      throw new GatewayError('`type` must be `text` or `chat`.', { status: 400, errorClass: 'invalid_request', param: 'type' });
    const messages = type === 'text' ? [{ role: 'user' as const, source: textTemplate(template) }] : chatTemplate(template);
    const compiled = new CompiledTemplate(
      type,
      messages.map((message, index) => ({ role: message.role, pieces: parseTemplateText(message.source, type === 'chat' ? index : undefined) })),
    );
    const undeclared = [...new Set(compiled.variableNames())].filter((name) => !Object.hasOwn(variables, name));
    if (undeclared.length > 0) {
      throw new GatewayError(
        `The template uses undeclared variable${undeclared.length > 1 ? 's' : ''} ${undeclared.map((name) => `\`${name}\``).join(', ')}; declare ${undeclared.length > 1 ? 'them' : 'it'} in \`variables\`.`,
        { status: 400, errorClass: 'invalid_request', param: 'variables', code: 'undeclared_variable' },
      );
    }
    return compiled;
  }

  variableNames(): string[] {
    return this.messages.flatMap((message) => message.pieces.flatMap((piece) => ('variable' in piece ? [piece.variable] : [])));
  }

  /** A text template renders to one user message; a chat template to its messages, in order. */
  render(values: Readonly<Record<string, string>>): RenderedMessage[] {
    return this.messages.map((message) => ({ role: message.role, content: renderPieces(message.pieces, values) }));
  }
}

function textTemplate(template: unknown): string {
  if (typeof template !== 'string')
    throw new GatewayError('A `text` prompt’s `template` must be a string.', { status: 400, errorClass: 'invalid_request', param: 'template' });
  if (template.length > MAXIMUM_TEMPLATE_CHARACTERS)
    throw new GatewayError(`\`template\` is longer than ${MAXIMUM_TEMPLATE_CHARACTERS} characters.`, {
      status: 400,
      errorClass: 'invalid_request',
      param: 'template',
    });
  return template;
}

function chatTemplate(template: unknown): Array<{ role: RenderedMessage['role']; source: string }> {
  const invalid = (message: string, param = 'template') => new GatewayError(message, { status: 400, errorClass: 'invalid_request', param });
  if (!Array.isArray(template) || template.length === 0 || template.length > MAXIMUM_CHAT_MESSAGES)
    throw invalid(`A \`chat\` prompt’s \`template\` must be an array of 1 to ${MAXIMUM_CHAT_MESSAGES} messages {role, content}.`);
  let total = 0;
  return template.map((message: unknown, index) => {
    const param = `template[${index}]`;
    if (typeof message !== 'object' || message === null || Array.isArray(message))
      throw invalid(`\`${param}\` must be an object {role, content}.`, param);
    const { role, content, ...rest } = message as Record<string, unknown>;
    const unknownField = Object.keys(rest)[0];
    if (unknownField !== undefined)
      throw invalid(`Unknown field \`${param}.${unknownField}\`; a message takes \`role\` and \`content\`.`, `${param}.${unknownField}`);
    if (!(CHAT_ROLES as readonly unknown[]).includes(role))
      throw invalid(`\`${param}.role\` must be one of ${CHAT_ROLES.join(', ')}.`, `${param}.role`);
    if (typeof content !== 'string') throw invalid(`\`${param}.content\` must be a string.`, `${param}.content`);
    total += content.length;
    if (total > MAXIMUM_TEMPLATE_CHARACTERS)
      throw invalid(`The template's contents are longer than ${MAXIMUM_TEMPLATE_CHARACTERS} characters in all.`);
    return { role: role as RenderedMessage['role'], source: content };
  });
}
