import { allowOnly, expectedText, optionalBoolean, optionalString, passed, type EvaluatorKind } from '../evaluator';

/**
 * `contains`: 1 when the output contains `value` (default: the item's
 * expected output), else 0; `ignore_case` compares case-insensitively.
 */
export const containsEvaluator: EvaluatorKind = {
  kind: 'contains',
  parse(spec, field) {
    allowOnly(spec, field, ['value', 'ignore_case']);
    optionalString(spec, field, 'value', 10_000);
    optionalBoolean(spec, field, 'ignore_case');
    return spec as ReturnType<EvaluatorKind['parse']>;
  },
  create(spec) {
    const fold = (text: string) => (spec.ignore_case === true ? text.toLowerCase() : text);
    return {
      spec,
      async evaluate({ output, expectedOutput }) {
        const needle = (spec.value as string | undefined) ?? expectedText(expectedOutput);
        if (needle === undefined) return passed(false, 'Neither `value` nor an expected output to look for.');
        return passed(fold(output).includes(fold(needle)));
      },
    };
  },
};
