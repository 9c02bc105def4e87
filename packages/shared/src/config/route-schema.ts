import { z } from 'zod';

/**
 * Routes: a model name clients use, resolved by a tree of strategy nodes
 * whose leaves are deployments (services/router/README.md describes each
 * strategy). A leaf has `provider`; a node has `strategy` and `targets`.
 */

/** What every target may carry besides what it is. */
interface RouteTargetBase {
  /** Relative share under `weighted`; 1 when absent. */
  weight?: number;
  /** Rank under `quality-first` (higher first). */
  score?: number;
  /** How a `conditional` rule names this target (else by index). */
  name?: string;
}

export interface RouteLeaf extends RouteTargetBase {
  provider: string;
  model: string;
}

interface RouteNodeBase extends RouteTargetBase {
  targets: RouteTarget[];
}

/** Strategies that take nothing but their targets. */
export interface PlainRouteNode extends RouteNodeBase {
  strategy: 'single' | 'round-robin' | 'weighted' | 'fallback' | 'quality-first' | 'least-busy' | 'budget-aware';
}

export interface LeastLatencyRouteNode extends RouteNodeBase {
  strategy: 'least-latency';
  /** Share of requests sent first to another target than the fastest, so a recovered one is noticed; default 0.05. */
  exploration?: number;
}

export interface LowestCostRouteNode extends RouteNodeBase {
  strategy: 'lowest-cost';
  /** Output tokens a request is priced with when it sets no `max_tokens`; default 500. */
  expectedOutputTokens?: number;
}

/** The request fields a rule may test; `metadata.<key>` and `headers.<name>` besides. */
export const ROUTE_RULE_FIELDS = [
  'model',
  'estimatedInputTokens',
  'maxOutputTokens',
  'hasTools',
  'hasImages',
  'hasJsonSchema',
  'stream',
  'user',
] as const;

export type RouteRuleScalar = string | number | boolean;

/** A test of one field; every operator given must hold. A bare value means `equals`. */
export interface RouteRuleCondition {
  equals?: RouteRuleScalar;
  notEquals?: RouteRuleScalar;
  in?: RouteRuleScalar[];
  notIn?: RouteRuleScalar[];
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  /** Whether the field is present at all (a header or metadata key sent, `max_tokens` set). */
  exists?: boolean;
  /** A regular expression searched in the field's text. */
  matches?: string;
}

export interface RouteRule {
  /** Field → condition; the rule applies when all of them hold. */
  when: Record<string, RouteRuleScalar | RouteRuleCondition>;
  /** The target chosen: its index in `targets`, or its `name`. */
  target: number | string;
}

export interface ConditionalRouteNode extends RouteNodeBase {
  strategy: 'conditional';
  /** Tried in order; the first whose `when` holds chooses. */
  rules: RouteRule[];
  /** The target when no rule holds: an index or a name. */
  default: number | string;
}

export type RouteNode = PlainRouteNode | LeastLatencyRouteNode | LowestCostRouteNode | ConditionalRouteNode;
export type RouteTarget = RouteLeaf | RouteNode;
export type RouteStrategyName = RouteNode['strategy'];

export const routeStrategyNames = [
  'single',
  'round-robin',
  'weighted',
  'fallback',
  'least-latency',
  'lowest-cost',
  'quality-first',
  'least-busy',
  'conditional',
  'budget-aware',
] as const satisfies readonly RouteStrategyName[];

const targetBase = {
  weight: z.number().positive().optional(),
  score: z.number().finite().optional(),
  name: z.string().min(1).optional(),
};

export const routeLeafSchema = z.strictObject({
  provider: z.string().min(1),
  model: z.string().min(1),
  ...targetBase,
});

const scalar = z.union([z.string(), z.number().finite(), z.boolean()]);

const conditionSchema = z
  .strictObject({
    equals: scalar.optional(),
    notEquals: scalar.optional(),
    in: z.array(scalar).min(1).optional(),
    notIn: z.array(scalar).min(1).optional(),
    gt: z.number().finite().optional(),
    gte: z.number().finite().optional(),
    lt: z.number().finite().optional(),
    lte: z.number().finite().optional(),
    exists: z.boolean().optional(),
    matches: z
      .string()
      .min(1)
      .refine((source) => isRegularExpression(source), { message: 'must be a valid regular expression' })
      .optional(),
  })
  .refine((condition) => Object.values(condition).some((value) => value !== undefined), {
    message: 'needs at least one of equals, notEquals, in, notIn, gt, gte, lt, lte, exists, matches',
  });

const FIELD_PATTERN = new RegExp(`^(?:${ROUTE_RULE_FIELDS.join('|')}|metadata\\.[^\\s]+|headers\\.[A-Za-z0-9!#$%&'*+.^_\`|~-]+)$`);

/** A target of the same node: its index in `targets`, or its `name`. */
const targetReference = z.union([z.number().int().nonnegative(), z.string().min(1)], {
  error: 'must be the index of one of the targets (0, 1, ...) or the name of one',
});

const ruleSchema = z.strictObject({
  when: z.record(z.string(), z.union([scalar, conditionSchema])).superRefine((when, context) => {
    const fields = Object.keys(when);
    if (fields.length === 0) context.addIssue({ code: 'custom', message: 'needs at least one field to test' });
    for (const field of fields) {
      if (!FIELD_PATTERN.test(field)) {
        context.addIssue({
          code: 'custom',
          path: [field],
          message: `must be one of ${ROUTE_RULE_FIELDS.join(', ')}, metadata.<key> or headers.<name>`,
        });
      }
    }
  }),
  target: targetReference,
});

const targetsSchema = z.array(z.lazy(() => routeTargetSchema)).min(1);

/** One schema per strategy, so that a mistake is reported at its own path. */
const nodeSchemas = {
  plain: z.strictObject({
    strategy: z.enum(['single', 'round-robin', 'weighted', 'fallback', 'quality-first', 'least-busy', 'budget-aware']),
    targets: targetsSchema,
    ...targetBase,
  }),
  'least-latency': z.strictObject({
    strategy: z.literal('least-latency'),
    targets: targetsSchema,
    exploration: z.number().min(0).max(1).optional(),
    ...targetBase,
  }),
  'lowest-cost': z.strictObject({
    strategy: z.literal('lowest-cost'),
    targets: targetsSchema,
    expectedOutputTokens: z.number().int().nonnegative().optional(),
    ...targetBase,
  }),
  conditional: z.strictObject({
    strategy: z.literal('conditional'),
    targets: targetsSchema,
    rules: z.array(ruleSchema).min(1),
    default: targetReference,
    ...targetBase,
  }),
} as const;

function isRegularExpression(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The schema a target is checked against: a leaf when it names no strategy, else its strategy's. */
function schemaOf(value: unknown): z.ZodType | undefined {
  if (!isRecord(value) || !('strategy' in value)) return routeLeafSchema;
  const strategy = value.strategy;
  if (strategy === 'least-latency' || strategy === 'lowest-cost' || strategy === 'conditional') return nodeSchemas[strategy];
  if (typeof strategy === 'string' && (routeStrategyNames as readonly string[]).includes(strategy)) return nodeSchemas.plain;
  return undefined;
}

/** Checks what a node's fields cannot check alone: target references, names, scores. */
function checkNode(node: RouteNode, context: z.RefinementCtx): void {
  const names = new Map<string, number>();
  node.targets.forEach((target, index) => {
    if (target.name === undefined) return;
    if (names.has(target.name)) {
      context.addIssue({ code: 'custom', path: ['targets', index, 'name'], message: `repeats the name of targets[${names.get(target.name)}]` });
    }
    names.set(target.name, index);
  });
  if (node.strategy === 'quality-first') {
    node.targets.forEach((target, index) => {
      if (target.score === undefined) {
        context.addIssue({ code: 'custom', path: ['targets', index, 'score'], message: 'is required by strategy "quality-first"' });
      }
    });
  }
  if (node.strategy === 'conditional') {
    const checkReference = (reference: number | string, path: (string | number)[]) => {
      if (typeof reference === 'number' && reference >= node.targets.length) {
        context.addIssue({ code: 'custom', path, message: `is target ${reference}, but there are ${node.targets.length} targets` });
      } else if (typeof reference === 'string' && !names.has(reference)) {
        context.addIssue({ code: 'custom', path, message: `names no target: no target has name "${reference}"` });
      }
    };
    node.rules.forEach((rule, index) => checkReference(rule.target, ['rules', index, 'target']));
    checkReference(node.default, ['default']);
  }
}

/**
 * A leaf (`provider`, `model`) or a node (`strategy`, `targets`). Dispatched
 * on `strategy` rather than tried as a union, so a mistake deep in a tree is
 * reported at its exact path (`routes.smart.targets[1].rules[0].target`).
 */
export const routeTargetSchema: z.ZodType<RouteTarget> = z.unknown().transform((value, context) => {
  const schema = schemaOf(value);
  if (schema === undefined) {
    context.addIssue({ code: 'custom', path: ['strategy'], message: `must be one of ${routeStrategyNames.join(', ')}` });
    return z.NEVER;
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) context.addIssue({ code: 'custom', message: issue.message, path: [...issue.path] });
    return z.NEVER;
  }
  const target = parsed.data as RouteTarget;
  if ('strategy' in target) {
    const before = context.issues.length;
    checkNode(target, context);
    if (context.issues.length > before) return z.NEVER;
  }
  return target;
});
