import { isGatewayError } from '@switchyard/shared';
import { CompiledTemplate } from './prompt-template';
import { bindVariables, parseVariableSpecs } from './prompt-variables';

function errorOf(work: () => unknown): { status: number; message: string; param: string | null; code: string | null } {
  try {
    work();
  } catch (error) {
    if (!isGatewayError(error)) throw error;
    return { status: error.status, message: error.message, param: error.param, code: error.code };
  }
  throw new Error('expected a GatewayError');
}

describe('templates', () => {
  const specs = parseVariableSpecs({
    topic: { type: 'string' },
    count: { type: 'number', default: 3 },
    formal: { type: 'boolean', required: false },
    facts: { type: 'json', required: false },
  });

  it('renders a text template to one user message, with defaults, JSON and literal braces', () => {
    const template = CompiledTemplate.compile('text', 'Write {{ count }} lines on {{topic}} \\{{not a variable}}. Facts: {{facts}}', specs);
    const values = bindVariables('haiku', specs, { topic: 'rain', facts: { wet: true } });
    expect(template.render(values)).toEqual([{ role: 'user', content: 'Write 3 lines on rain {{not a variable}}. Facts: {"wet":true}' }]);
  });

  it('renders a chat template message by message', () => {
    const template = CompiledTemplate.compile(
      'chat',
      [
        { role: 'system', content: 'Formal: {{formal}}.' },
        { role: 'user', content: 'About {{topic}}, {{count}} times.' },
      ],
      specs,
    );
    expect(template.render(bindVariables('p', specs, { topic: 'tides', count: 2, formal: false }))).toEqual([
      { role: 'system', content: 'Formal: false.' },
      { role: 'user', content: 'About tides, 2 times.' },
    ]);
  });

  it.each([
    ['Hello {{name', 'line 1, column 7 (offset 6)', '`{{` is never closed'],
    ['Hello }}\n  {{there', 'line 2, column 3 (offset 11)', '`{{` is never closed'],
    ['a {{ b {{c}} }}', 'line 1, column 8 (offset 7)', 'opens again'],
    ['x {{1abc}}', 'line 1, column 3 (offset 2)', 'is not a variable name'],
    ['x {{}}', 'line 1, column 3 (offset 2)', 'is not a variable name'],
  ])('refuses %j with its position', (source, where, problem) => {
    const error = errorOf(() =>
      CompiledTemplate.compile('text', source, {
        name: { type: 'string', required: true },
        b: { type: 'string', required: true },
        c: { type: 'string', required: true },
      }),
    );
    expect(error).toMatchObject({ status: 400, param: 'template', code: 'invalid_template' });
    expect(error.message).toContain(where);
    expect(error.message).toContain(problem);
  });

  it('names the chat message that does not parse', () => {
    const error = errorOf(() =>
      CompiledTemplate.compile(
        'chat',
        [
          { role: 'system', content: 'ok' },
          { role: 'user', content: 'bad {{' },
        ],
        {},
      ),
    );
    expect(error).toMatchObject({ status: 400, param: 'template[1].content', code: 'invalid_template' });
    expect(error.message).toContain('message 1, line 1, column 5');
  });

  it('refuses variables the template uses but does not declare, naming them', () => {
    const error = errorOf(() => CompiledTemplate.compile('text', '{{topic}} {{mood}} {{tone}}', specs));
    expect(error).toMatchObject({ status: 400, param: 'variables', code: 'undeclared_variable' });
    expect(error.message).toContain('`mood`, `tone`');
  });

  it.each([
    ['chat', 'not an array', 'template'],
    ['chat', [{ role: 'robot', content: 'x' }], 'template[0].role'],
    ['chat', [{ role: 'user', content: 1 }], 'template[0].content'],
    ['chat', [{ role: 'user', content: 'x', name: 'n' }], 'template[0].name'],
    ['text', ['x'], 'template'],
    ['poem', 'x', 'type'],
  ])('refuses a %s template of the wrong shape (%j)', (type, template, param) => {
    expect(errorOf(() => CompiledTemplate.compile(type, template, {}))).toMatchObject({ status: 400, param });
  });
});

describe('variables', () => {
  it('names every missing and mistyped variable in one 400', () => {
    const specs = parseVariableSpecs({ a: { type: 'string' }, b: { type: 'number' }, c: { type: 'boolean' }, d: { type: 'string', default: 'x' } });
    const error = errorOf(() => bindVariables('greeting', specs, { b: 'seven', c: true }));
    expect(error).toMatchObject({ status: 400, param: 'prompt.variables.a', code: 'missing_variable' });
    expect(error.message).toBe('Prompt `greeting`: missing variable `a`; `b` must be a number.');
    expect(errorOf(() => bindVariables('greeting', specs, { a: 'x', b: Number.NaN, c: 'yes' }))).toMatchObject({
      param: 'prompt.variables.b',
      code: 'invalid_variable',
      message: 'Prompt `greeting`: `b` must be a number; `c` must be a boolean.',
    });
  });

  it('ignores variables the version does not declare', () => {
    expect(bindVariables('p', parseVariableSpecs({ a: { type: 'string' } }), { a: 'x', extra: 1 })).toEqual({ a: 'x' });
  });

  it.each([
    [{ 'bad-name': { type: 'string' } }, 'variables.bad-name'],
    [{ a: { type: 'date' } }, 'variables.a.type'],
    [{ a: { type: 'number', default: 'three' } }, 'variables.a.default'],
    [{ a: { type: 'string', required: 'yes' } }, 'variables.a.required'],
    [{ a: { type: 'string', format: 'email' } }, 'variables.a.format'],
    [['a'], 'variables'],
  ])('refuses the declaration %j', (declaration, param) => {
    expect(errorOf(() => parseVariableSpecs(declaration))).toMatchObject({ status: 400, param });
  });
});
