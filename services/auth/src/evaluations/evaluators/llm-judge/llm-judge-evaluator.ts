import { allowOnly, expectedText, requiredString, type EvaluatorKind } from '../evaluator';

const JUDGE_INSTRUCTIONS = [
  'You grade the answer of an AI system against a rubric.',
  'Reply with a JSON object only: {"score": <a number from 0 to 1>, "reason": "<one sentence>"}.',
].join(' ');

/**
 * `llm_judge`: a judge model (`model`, through the gateway's chat route)
 * grades the output against `rubric`, given the input and the expected
 * output, and answers `{"score": 0..1, "reason"}` (JSON mode). An answer
 * that is not such an object is the item's error for this evaluator.
 */
export const llmJudgeEvaluator: EvaluatorKind = {
  kind: 'llm_judge',
  parse(spec, field) {
    allowOnly(spec, field, ['model', 'rubric']);
    requiredString(spec, field, 'model', 200);
    requiredString(spec, field, 'rubric', 20_000);
    return spec as ReturnType<EvaluatorKind['parse']>;
  },
  create(spec) {
    return {
      spec,
      async evaluate({ input, expectedOutput, output, runId }, { gateway, signal }) {
        const expected = expectedText(expectedOutput);
        const answer = await gateway.chat(
          {
            model: spec.model,
            temperature: 0,
            response_format: { type: 'json_object' },
            messages: [
              { role: 'system', content: `${JUDGE_INSTRUCTIONS}\n\nRubric:\n${spec.rubric as string}` },
              {
                role: 'user',
                content: [
                  `Input:\n${typeof input === 'string' ? input : JSON.stringify(input)}`,
                  ...(expected === undefined ? [] : [`Expected output:\n${expected}`]),
                  `Answer to grade:\n${output}`,
                ].join('\n\n'),
              },
            ],
          },
          { 'x-switchyard-session-id': runId, 'x-switchyard-tags': 'evaluation,llm_judge' },
          signal,
        );
        return verdictOf(answer.content);
      },
    };
  },
};

/** The judge's `{"score", "reason"}`, checked. */
export function verdictOf(content: string): { score: number; reason?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content.trim().replace(/^```(?:json)?\s*|\s*```$/g, ''));
  } catch {
    throw new Error('The judge did not answer with JSON.');
  }
  const { score, reason } = (parsed ?? {}) as { score?: unknown; reason?: unknown };
  if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 1)
    throw new Error('The judge did not give a `score` from 0 to 1.');
  return typeof reason === 'string' ? { score, reason: reason.slice(0, 1_000) } : { score };
}
