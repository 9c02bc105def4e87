import type { ConditionalRouteNode, RequestFeatures, RouteRuleCondition, RouteRuleScalar } from '@switchyard/shared';
import type { RouteStrategy } from './route-strategy';

type FieldValue = string | number | boolean | undefined;
type FieldReader = (features: RequestFeatures) => FieldValue;
type Predicate = (features: RequestFeatures) => boolean;

/** Reads a rule's field from the request's features; `headers.<name>` ignores case, as HTTP does. */
function fieldReader(field: string): FieldReader {
  if (field.startsWith('metadata.')) {
    const key = field.slice('metadata.'.length);
    return (features) => (Object.hasOwn(features.metadata, key) ? features.metadata[key] : undefined);
  }
  if (field.startsWith('headers.')) {
    const name = field.slice('headers.'.length).toLowerCase();
    return (features) => (Object.hasOwn(features.headers, name) ? features.headers[name] : undefined);
  }
  switch (field) {
    case 'model':
    case 'estimatedInputTokens':
    case 'maxOutputTokens':
    case 'hasTools':
    case 'hasImages':
    case 'hasJsonSchema':
    case 'stream':
    case 'user':
      return (features) => features[field];
    default:
      throw new Error(`a rule cannot test "${field}"`);
  }
}

/** Metadata and headers are text: `3` in a rule equals "3" in a request. */
function same(value: FieldValue, expected: RouteRuleScalar): boolean {
  return value !== undefined && String(value) === String(expected);
}

function numeric(value: FieldValue): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const number = Number(value);
    if (Number.isFinite(number)) return number;
  }
  return undefined;
}

/** One test per operator given; `notEquals` and `notIn` hold for an absent field, every other operator but `exists` fails. */
function conditionTest(condition: RouteRuleScalar | RouteRuleCondition): (value: FieldValue) => boolean {
  if (typeof condition !== 'object') return (value) => same(value, condition);
  const tests: ((value: FieldValue) => boolean)[] = [];
  const { equals, notEquals, exists, matches } = condition;
  const within = condition.in;
  const without = condition.notIn;
  if (exists !== undefined) tests.push((value) => (value !== undefined) === exists);
  if (equals !== undefined) tests.push((value) => same(value, equals));
  if (notEquals !== undefined) tests.push((value) => !same(value, notEquals));
  if (within !== undefined) tests.push((value) => within.some((expected) => same(value, expected)));
  if (without !== undefined) tests.push((value) => !without.some((expected) => same(value, expected)));
  const bounds: [number | undefined, (number: number, bound: number) => boolean][] = [
    [condition.gt, (number, bound) => number > bound],
    [condition.gte, (number, bound) => number >= bound],
    [condition.lt, (number, bound) => number < bound],
    [condition.lte, (number, bound) => number <= bound],
  ];
  for (const [bound, holds] of bounds) {
    if (bound === undefined) continue;
    tests.push((value) => {
      const number = numeric(value);
      return number !== undefined && holds(number, bound);
    });
  }
  if (matches !== undefined) {
    const pattern = new RegExp(matches);
    tests.push((value) => value !== undefined && pattern.test(String(value)));
  }
  return (value) => tests.every((test) => test(value));
}

/**
 * The one target the first matching rule names (its `when` tests fields of
 * the request: metadata, headers, prompt length, tools...), else `default`.
 * Rules are compiled once; a request runs only their tests.
 */
export const conditionalStrategy: RouteStrategy<ConditionalRouteNode> = (targets, _context, node) => {
  if (targets.length === 0) throw new Error('strategy "conditional" needs at least one target');
  const choiceOf = (reference: number | string, where: string) => {
    const index = typeof reference === 'number' ? reference : targets.findIndex((target) => target.name === reference);
    if (index < 0 || index >= targets.length) throw new Error(`${where} names no target: ${JSON.stringify(reference)}`);
    return [targets[index]] as const;
  };
  const rules = (node.rules ?? []).map((rule, index) => {
    const tests = Object.entries(rule.when).map(([field, condition]) => {
      const read = fieldReader(field);
      const test = conditionTest(condition);
      return (features: RequestFeatures) => test(read(features));
    });
    const applies: Predicate = (features) => tests.every((test) => test(features));
    return { applies, choice: choiceOf(rule.target, `rules[${index}].target`) };
  });
  const fallback = choiceOf(node.default, 'default');
  return (features) => {
    for (const rule of rules) if (rule.applies(features)) return rule.choice;
    return fallback;
  };
};
