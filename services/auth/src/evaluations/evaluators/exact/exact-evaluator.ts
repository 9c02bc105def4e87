import { allowOnly, expectedText, optionalBoolean, passed, type EvaluatorKind } from '../evaluator';

/**
 * `exact`: 1 when the output equals the expected output, else 0. Surrounding
 * white space is ignored unless `trim: false`; `ignore_case` compares
 * case-insensitively. An item without an expected output scores 0.
 */
export const exactEvaluator: EvaluatorKind = {
  kind: 'exact',
  parse(spec, field) {
    allowOnly(spec, field, ['trim', 'ignore_case']);
    optionalBoolean(spec, field, 'trim');
    optionalBoolean(spec, field, 'ignore_case');
    return spec as ReturnType<EvaluatorKind['parse']>;
  },
  create(spec) {
    const normalize = (text: string) => {
      const trimmed = spec.trim === false ? text : text.trim();
      return spec.ignore_case === true ? trimmed.toLowerCase() : trimmed;
    };
    return {
      spec,
      async evaluate({ output, expectedOutput }) {
        const expected = expectedText(expectedOutput);
        if (expected === undefined) return passed(false, 'The item has no expected output.');
        return passed(normalize(output) === normalize(expected));
      },
    };
  },
};
