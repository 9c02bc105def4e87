import { invalidRequest } from '@switchyard/shared';
import { containsEvaluator } from './contains/contains-evaluator';
import { embeddingSimilarityEvaluator } from './embedding-similarity/embedding-similarity-evaluator';
import type { Evaluator, EvaluatorKind, EvaluatorSpec } from './evaluator';
import { exactEvaluator } from './exact/exact-evaluator';
import { jsonSchemaEvaluator } from './json-schema/json-schema-evaluator';
import { llmJudgeEvaluator } from './llm-judge/llm-judge-evaluator';
import { regexEvaluator } from './regex/regex-evaluator';
import { webhookEvaluator } from './webhook/webhook-evaluator';

/** Every evaluator kind, by the `kind` a run names. */
export const EVALUATOR_KINDS: ReadonlyMap<string, EvaluatorKind> = new Map(
  [exactEvaluator, regexEvaluator, containsEvaluator, jsonSchemaEvaluator, embeddingSimilarityEvaluator, llmJudgeEvaluator, webhookEvaluator].map(
    (kind) => [kind.kind, kind],
  ),
);

const NAME = /^[A-Za-z0-9.:@_-]{1,128}$/;
const MAXIMUM_EVALUATORS = 20;

/** A run's `evaluators`, checked whole: a 400 names the first bad field (`evaluators[1].pattern`). */
export function parseEvaluators(value: unknown, options: { allowPrivateWebhooks: boolean }): EvaluatorSpec[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAXIMUM_EVALUATORS)
    throw invalidRequest(`\`evaluators\` must be a list of 1 to ${MAXIMUM_EVALUATORS} evaluators.`, 'evaluators');
  const names = new Set<string>();
  return value.map((entry, index) => {
    const field = `evaluators[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw invalidRequest(`\`${field}\` must be an object.`, field);
    const spec = entry as Record<string, unknown>;
    const kind = typeof spec.kind === 'string' ? EVALUATOR_KINDS.get(spec.kind) : undefined;
    if (kind === undefined) throw invalidRequest(`\`${field}.kind\` must be one of ${[...EVALUATOR_KINDS.keys()].join(', ')}.`, `${field}.kind`);
    const name = spec.name ?? spec.kind;
    if (typeof name !== 'string' || !NAME.test(name))
      throw invalidRequest('An evaluator `name` is 1–128 letters, digits or `. : @ _ -` (it names the score).', `${field}.name`);
    if (names.has(name)) throw invalidRequest(`Two evaluators are named \`${name}\`; give each its own \`name\`.`, `${field}.name`);
    names.add(name);
    return kind.parse({ ...spec, name }, field, options);
  });
}

export function createEvaluator(spec: EvaluatorSpec): Evaluator {
  const kind = EVALUATOR_KINDS.get(spec.kind);
  if (kind === undefined) throw new Error(`Unknown evaluator kind ${spec.kind}.`);
  return kind.create(spec);
}
