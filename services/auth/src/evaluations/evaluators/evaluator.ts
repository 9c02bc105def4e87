import { invalidRequest } from '@switchyard/shared';
import type { GatewayClient } from '../gateway-client';
import type { ItemScore } from '../evaluation-store';

/** What an evaluator judges: one dataset item and the output the model gave for it. */
export interface EvaluationCase {
  runId: string;
  itemId: string;
  input: unknown;
  expectedOutput: unknown;
  metadata: Record<string, unknown>;
  output: string;
}

/** What evaluators reach out through: the gateway (embeddings, judge models) and webhooks. */
export interface EvaluatorContext {
  gateway: GatewayClient;
  /** Whether a webhook may target loopback or private addresses (tests, a trusted network). */
  allowPrivateWebhooks: boolean;
  webhookTimeoutMs: number;
  signal: AbortSignal;
}

/** An evaluator as a run stores it: a unique `name` (the score's name), its `kind` and the kind's options. */
export interface EvaluatorSpec {
  name: string;
  kind: string;
  [option: string]: unknown;
}

export interface Evaluator {
  readonly spec: EvaluatorSpec;
  /** A score (higher is better; pass/fail kinds give 1 or 0), or throws: the error is kept as the item's. */
  evaluate(testCase: EvaluationCase, context: EvaluatorContext): Promise<ItemScore>;
}

/** One kind of evaluator: checks a spec's options (a 400 naming the field) and builds the evaluator. */
export interface EvaluatorKind {
  kind: string;
  /** Checks `spec`'s options; `field` is where it sits in the request (`evaluators[2]`). Returns the spec to store. */
  parse(spec: Record<string, unknown>, field: string, options: { allowPrivateWebhooks: boolean }): EvaluatorSpec;
  create(spec: EvaluatorSpec): Evaluator;
}

/** The expected output as text: a string stays as it is, anything else is its JSON. */
export function expectedText(expected: unknown): string | undefined {
  if (expected === undefined || expected === null) return undefined;
  return typeof expected === 'string' ? expected : JSON.stringify(expected);
}

export function allowOnly(spec: Record<string, unknown>, field: string, allowed: readonly string[]): void {
  for (const name of Object.keys(spec)) {
    if (!['name', 'kind', ...allowed].includes(name))
      throw invalidRequest(`Unknown option \`${name}\` for a \`${String(spec.kind)}\` evaluator.`, `${field}.${name}`, 'unknown_field');
  }
}

export function optionalBoolean(spec: Record<string, unknown>, field: string, name: string): boolean | undefined {
  const value = spec[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalidRequest(`\`${name}\` must be true or false.`, `${field}.${name}`);
  return value;
}

export function optionalString(spec: Record<string, unknown>, field: string, name: string, maximum: number): string | undefined {
  const value = spec[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > maximum)
    throw invalidRequest(`\`${name}\` must be a string of 1 to ${maximum} characters.`, `${field}.${name}`);
  return value;
}

export function requiredString(spec: Record<string, unknown>, field: string, name: string, maximum: number): string {
  const value = optionalString(spec, field, name, maximum);
  if (value === undefined) throw invalidRequest(`A \`${String(spec.kind)}\` evaluator needs \`${name}\`.`, `${field}.${name}`, 'missing_field');
  return value;
}

/** A pass/fail evaluator's answer. */
export function passed(ok: boolean, reason?: string): ItemScore {
  return reason === undefined ? { score: ok ? 1 : 0 } : { score: ok ? 1 : 0, reason };
}
