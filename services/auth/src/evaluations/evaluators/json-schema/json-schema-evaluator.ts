import Ajv from 'ajv';
import { invalidRequest } from '@switchyard/shared';
import { allowOnly, passed, type EvaluatorKind } from '../evaluator';

const MAXIMUM_SCHEMA_CHARACTERS = 64 * 1024;

/**
 * `json_schema`: 1 when the output is JSON that validates against `schema`
 * (JSON Schema draft 2020-12 or 7 keywords, through Ajv), else 0 with the
 * first violation as the reason. A schema that does not compile is a 400
 * when the run is created.
 */
export const jsonSchemaEvaluator: EvaluatorKind = {
  kind: 'json_schema',
  parse(spec, field) {
    allowOnly(spec, field, ['schema']);
    const schema = spec.schema;
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
      throw invalidRequest('A `json_schema` evaluator needs `schema`, a JSON Schema object.', `${field}.schema`, 'missing_field');
    if (JSON.stringify(schema).length > MAXIMUM_SCHEMA_CHARACTERS)
      throw invalidRequest(`\`schema\` must be at most ${MAXIMUM_SCHEMA_CHARACTERS} characters of JSON.`, `${field}.schema`);
    try {
      compile(schema);
    } catch (error) {
      throw invalidRequest(`\`schema\` is not a valid JSON Schema: ${(error as Error).message}`, `${field}.schema`);
    }
    return spec as ReturnType<EvaluatorKind['parse']>;
  },
  create(spec) {
    const validate = compile(spec.schema as object);
    return {
      spec,
      async evaluate({ output }) {
        let value: unknown;
        try {
          value = JSON.parse(output);
        } catch {
          return passed(false, 'The output is not JSON.');
        }
        if (validate(value)) return passed(true);
        const [first] = validate.errors ?? [];
        return passed(
          false,
          first === undefined ? 'The output does not match the schema.' : `${first.instancePath || '/'} ${first.message ?? ''}`.trim(),
        );
      },
    };
  },
};

function compile(schema: object) {
  // strict: false lets common annotations (`title`, `examples` in odd places) through, as providers' structured outputs do.
  return new Ajv({ strict: false, allErrors: false }).compile(schema);
}
