import { invalidRequest } from '@switchyard/shared';
import { allowOnly, optionalString, passed, requiredString, type EvaluatorKind } from '../evaluator';

/** Outputs longer than this are matched on their first part only, bounding the time a pattern can take. */
const MAXIMUM_MATCHED_CHARACTERS = 100_000;

/**
 * `regex`: 1 when the output matches `pattern` (JavaScript syntax, with
 * optional `flags` among `imsu`), else 0. A pattern that does not compile
 * is a 400 when the run is created.
 */
export const regexEvaluator: EvaluatorKind = {
  kind: 'regex',
  parse(spec, field) {
    allowOnly(spec, field, ['pattern', 'flags']);
    const pattern = requiredString(spec, field, 'pattern', 1_000);
    const flags = optionalString(spec, field, 'flags', 4) ?? '';
    if (!/^[imsu]*$/.test(flags)) throw invalidRequest('`flags` may hold only i, m, s and u.', `${field}.flags`);
    try {
      new RegExp(pattern, flags);
    } catch (error) {
      throw invalidRequest(`\`pattern\` is not a valid regular expression: ${(error as Error).message}`, `${field}.pattern`);
    }
    return spec as ReturnType<EvaluatorKind['parse']>;
  },
  create(spec) {
    const expression = new RegExp(spec.pattern as string, (spec.flags as string | undefined) ?? '');
    return {
      spec,
      async evaluate({ output }) {
        return passed(expression.test(output.slice(0, MAXIMUM_MATCHED_CHARACTERS)));
      },
    };
  },
};
