import { invalidRequest } from '@switchyard/shared';
import { bodyObject, requiredField } from '../admin-api/admin-input';
import {
  ASSIGNMENT_MODES,
  DEFAULT_STOPPING,
  METRIC_KINDS,
  type ExperimentArm,
  type ExperimentAssignmentMode,
  type ExperimentMetric,
  type ExperimentStopping,
  type ExperimentTarget,
} from './experiment-model';

/** An experiment or arm name: shown in results and recorded on every request of the arm. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** A prompt or model name as the gateway sees it. */
const TARGET_NAME = /^[^\p{Cc}\s]{1,256}$/u;
export const MAXIMUM_ARMS = 10;
const MAXIMUM_WEIGHT = 1_000_000;
const MAXIMUM_PROMPT_VERSION = 2 ** 31 - 1;
const MAXIMUM_MIN_SAMPLES = 10_000_000;

export interface ExperimentInput {
  name: string;
  target: ExperimentTarget;
  arms: ExperimentArm[];
  assignment: ExperimentAssignmentMode;
  metric: ExperimentMetric;
  stopping: ExperimentStopping;
}

/**
 * `POST …/experiments`: `{"name", "target": {"prompt"} | {"model"}, "arms":
 * [{"name", "prompt_version"?, "model"?, "weight"?}], "assignment"?,
 * "metric"?, "stopping"?}`. Every field is checked before anything is
 * stored; a bad one is a 400 naming it (`arms[1].weight`).
 */
export function parseExperimentInput(body: unknown): ExperimentInput {
  const fields = bodyObject(body, ['name', 'target', 'arms', 'assignment', 'metric', 'stopping']);
  const name = requiredField(fields, 'name');
  if (typeof name !== 'string' || !NAME.test(name))
    throw invalidRequest("`name` must be 1 to 64 characters of letters, digits, '.', '_' and '-', starting with a letter or digit.", 'name');
  const target = parseTarget(requiredField(fields, 'target'));
  const arms = parseArms(requiredField(fields, 'arms'), target);
  const assignment = fields.assignment ?? 'weighted';
  if (!(ASSIGNMENT_MODES as readonly unknown[]).includes(assignment))
    throw invalidRequest(`\`assignment\` must be one of ${ASSIGNMENT_MODES.join(', ')}.`, 'assignment');
  return {
    name,
    target,
    arms,
    assignment: assignment as ExperimentAssignmentMode,
    metric: parseMetric(fields.metric),
    stopping: parseStopping(fields.stopping),
  };
}

function parseTarget(value: unknown): ExperimentTarget {
  const target = object(value, 'target', ['prompt', 'model']);
  const hasPrompt = target.prompt !== undefined;
  const hasModel = target.model !== undefined;
  if (hasPrompt === hasModel)
    throw invalidRequest('`target` must name either a `prompt` (its versions are split) or a `model` (requests without a prompt).', 'target');
  const field = hasPrompt ? 'prompt' : 'model';
  const name = target[field];
  if (typeof name !== 'string' || !TARGET_NAME.test(name))
    throw invalidRequest(`\`target.${field}\` must be 1 to 256 characters without spaces.`, `target.${field}`);
  return hasPrompt ? { prompt: name } : { model: name };
}

function parseArms(value: unknown, target: ExperimentTarget): ExperimentArm[] {
  if (!Array.isArray(value) || value.length < 2 || value.length > MAXIMUM_ARMS)
    throw invalidRequest(`\`arms\` must be a list of 2 to ${MAXIMUM_ARMS} arms.`, 'arms');
  const seen = new Set<string>();
  return value.map((item, index) => {
    const path = `arms[${index}]`;
    const arm = object(item, path, ['name', 'prompt_version', 'model', 'weight']);
    if (typeof arm.name !== 'string' || !NAME.test(arm.name))
      throw invalidRequest(`\`${path}.name\` must be 1 to 64 characters of letters, digits, '.', '_' and '-'.`, `${path}.name`);
    if (seen.has(arm.name)) throw invalidRequest(`\`${path}.name\`: two arms are named \`${arm.name}\`.`, `${path}.name`);
    seen.add(arm.name);
    const weight = arm.weight ?? 1;
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0 || weight > MAXIMUM_WEIGHT)
      throw invalidRequest(`\`${path}.weight\` must be a number above 0, at most ${MAXIMUM_WEIGHT}.`, `${path}.weight`);
    const parsed: ExperimentArm = { name: arm.name, weight };
    if (arm.prompt_version !== undefined) {
      if (target.prompt === undefined)
        throw invalidRequest(
          `\`${path}.prompt_version\`: a model experiment has no prompt versions; its arms name models.`,
          `${path}.prompt_version`,
        );
      const version = arm.prompt_version;
      if (typeof version !== 'number' || !Number.isInteger(version) || version < 1 || version > MAXIMUM_PROMPT_VERSION)
        throw invalidRequest(`\`${path}.prompt_version\` must be a whole number from 1.`, `${path}.prompt_version`);
      parsed.promptVersion = version;
    } else if (target.prompt !== undefined) {
      throw invalidRequest(
        `\`${path}.prompt_version\` is required: each arm of a prompt experiment serves one version.`,
        `${path}.prompt_version`,
        'missing_field',
      );
    }
    if (arm.model !== undefined) {
      if (typeof arm.model !== 'string' || !TARGET_NAME.test(arm.model))
        throw invalidRequest(`\`${path}.model\` must be 1 to 256 characters without spaces.`, `${path}.model`);
      parsed.model = arm.model;
    } else if (target.model !== undefined) {
      throw invalidRequest(`\`${path}.model\` is required: each arm of a model experiment serves one model.`, `${path}.model`, 'missing_field');
    }
    return parsed;
  });
}

function parseMetric(value: unknown): ExperimentMetric {
  if (value === undefined || value === null) return { kind: 'latency', goal: 'minimize' };
  const metric = object(value, 'metric', ['kind', 'score_name', 'goal']);
  if (!(METRIC_KINDS as readonly unknown[]).includes(metric.kind))
    throw invalidRequest(`\`metric.kind\` must be one of ${METRIC_KINDS.join(', ')}.`, 'metric.kind');
  const kind = metric.kind as ExperimentMetric['kind'];
  let scoreName: string | undefined;
  if (kind === 'score') {
    if (typeof metric.score_name !== 'string' || !/^[^\p{Cc}]{1,128}$/u.test(metric.score_name))
      throw invalidRequest(
        '`metric.score_name` is required for a `score` metric: the feedback or evaluator score compared (1 to 128 characters).',
        'metric.score_name',
      );
    scoreName = metric.score_name;
  } else if (metric.score_name !== undefined) {
    throw invalidRequest('`metric.score_name` applies only to a `score` metric.', 'metric.score_name');
  }
  const goal = metric.goal ?? (kind === 'score' ? 'maximize' : 'minimize');
  if (goal !== 'minimize' && goal !== 'maximize') throw invalidRequest('`metric.goal` must be `minimize` or `maximize`.', 'metric.goal');
  return { kind, ...(scoreName === undefined ? {} : { scoreName }), goal };
}

function parseStopping(value: unknown): ExperimentStopping {
  if (value === undefined || value === null) return { ...DEFAULT_STOPPING };
  const stopping = object(value, 'stopping', ['confidence', 'min_samples', 'effect_size']);
  const confidence = stopping.confidence ?? DEFAULT_STOPPING.confidence;
  if (typeof confidence !== 'number' || !(confidence >= 0.5 && confidence < 1))
    throw invalidRequest('`stopping.confidence` must be a number from 0.5 to below 1, such as 0.95.', 'stopping.confidence');
  const minSamples = stopping.min_samples ?? DEFAULT_STOPPING.minSamples;
  if (typeof minSamples !== 'number' || !Number.isInteger(minSamples) || minSamples < 2 || minSamples > MAXIMUM_MIN_SAMPLES)
    throw invalidRequest(`\`stopping.min_samples\` must be a whole number from 2 to ${MAXIMUM_MIN_SAMPLES}.`, 'stopping.min_samples');
  const effectSize = stopping.effect_size ?? DEFAULT_STOPPING.effectSize;
  if (typeof effectSize !== 'number' || !(effectSize > 0 && effectSize <= 10))
    throw invalidRequest('`stopping.effect_size` must be a number above 0, at most 10 (standard deviations).', 'stopping.effect_size');
  return { confidence, minSamples, effectSize };
}

function object(value: unknown, path: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidRequest(`\`${path}\` must be a JSON object.`, path);
  for (const field of Object.keys(value)) {
    if (!allowed.includes(field))
      throw invalidRequest(
        `Unknown field \`${path}.${field}\`; it takes ${allowed.map((name) => `\`${name}\``).join(', ')}.`,
        `${path}.${field}`,
        'unknown_field',
      );
  }
  return value as Record<string, unknown>;
}
