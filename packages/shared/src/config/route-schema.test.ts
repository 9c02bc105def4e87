import { configSchema } from './config-schema';
import { formatIssues } from './load-config';

/** The problems of a config whose only route is `route`, as loadConfig prints them. */
function problems(route: unknown): string {
  const parsed = configSchema.safeParse({ routes: { smart: route } });
  if (parsed.success) throw new Error('the config was accepted');
  return formatIssues(parsed.error.issues);
}

const leaf = (model: string, extra: object = {}) => ({ provider: 'openai', model, ...extra });

describe('routeTargetSchema', () => {
  it('accepts every strategy with its own settings, nested', () => {
    const route = {
      strategy: 'conditional',
      rules: [
        { when: { 'metadata.tier': 'premium', hasTools: true }, target: 'best' },
        { when: { estimatedInputTokens: { gt: 8000 }, 'headers.x-team': { in: ['a', 'b'] } }, target: 1 },
      ],
      default: 2,
      targets: [
        { strategy: 'quality-first', name: 'best', targets: [leaf('gpt-4o', { score: 9 }), leaf('gpt-4o-mini', { score: 5 })] },
        { strategy: 'lowest-cost', expectedOutputTokens: 200, targets: [leaf('gpt-4.1'), leaf('gpt-4.1-mini')] },
        {
          strategy: 'least-latency',
          exploration: 0.1,
          targets: [
            { strategy: 'least-busy', targets: [leaf('a'), leaf('b')] },
            { strategy: 'budget-aware', targets: [leaf('c')] },
          ],
        },
      ],
    };
    const parsed = configSchema.parse({ routes: { smart: route } });
    expect(parsed.routes.smart).toEqual(route);
  });

  it('names the exact path of a mistake deep in a tree', () => {
    const route = {
      strategy: 'fallback',
      targets: [leaf('a'), { strategy: 'least-latency', exploration: 2, targets: [leaf('b')] }],
    };
    expect(problems(route)).toBe('  - routes.smart.targets[1].exploration: Too big: expected number to be <=1');
    expect(problems({ strategy: 'fallback', targets: [leaf('a'), { provider: 'openai' }] })).toBe(
      '  - routes.smart.targets[1].model: Invalid input: expected string, received undefined',
    );
    expect(problems({ strategy: 'weighted', targets: [leaf('a', { weight: 0 })] })).toBe(
      '  - routes.smart.targets[0].weight: Too small: expected number to be >0',
    );
  });

  it('names an unknown strategy and lists the known ones', () => {
    expect(problems({ strategy: 'fastest', targets: [leaf('a')] })).toBe(
      '  - routes.smart.strategy: must be one of single, round-robin, weighted, fallback, least-latency, lowest-cost, quality-first, least-busy, conditional, budget-aware',
    );
  });

  it('refuses settings of another strategy', () => {
    expect(problems({ strategy: 'weighted', exploration: 0.1, targets: [leaf('a')] })).toBe('  - routes.smart: Unrecognized key: "exploration"');
  });

  it('requires a score on every target of quality-first', () => {
    expect(problems({ strategy: 'quality-first', targets: [leaf('a', { score: 1 }), leaf('b')] })).toBe(
      '  - routes.smart.targets[1].score: is required by strategy "quality-first"',
    );
  });

  it('checks what conditional rules refer to', () => {
    const route = {
      strategy: 'conditional',
      rules: [
        { when: { 'metadata.tier': 'gold' }, target: 5 },
        { when: { stream: true }, target: 'missing' },
      ],
      default: 'fast',
      targets: [leaf('a', { name: 'fast' }), leaf('b', { name: 'fast' })],
    };
    expect(problems(route).split('\n')).toEqual([
      '  - routes.smart.targets[1].name: repeats the name of targets[0]',
      '  - routes.smart.rules[0].target: is target 5, but there are 2 targets',
      '  - routes.smart.rules[1].target: names no target: no target has name "missing"',
    ]);
  });

  it('checks the fields and conditions of rules', () => {
    const route = (when: unknown) => ({ strategy: 'conditional', rules: [{ when, target: 0 }], default: 0, targets: [leaf('a')] });
    expect(problems(route({ tier: 'gold' }))).toBe(
      '  - routes.smart.rules[0].when.tier: must be one of model, estimatedInputTokens, maxOutputTokens, hasTools, hasImages, hasJsonSchema, stream, user, metadata.<key> or headers.<name>',
    );
    expect(problems(route({ 'metadata.tier': { matches: '(' } }))).toContain('routes.smart.rules[0].when.metadata.tier');
    expect(problems(route({}))).toBe('  - routes.smart.rules[0].when: needs at least one field to test');
    expect(problems({ strategy: 'conditional', rules: [], default: 0, targets: [leaf('a')] })).toBe(
      '  - routes.smart.rules: Too small: expected array to have >=1 items',
    );
    expect(problems({ strategy: 'conditional', rules: [{ when: { stream: true }, target: 0 }], targets: [leaf('a')] })).toBe(
      '  - routes.smart.default: must be the index of one of the targets (0, 1, ...) or the name of one',
    );
  });
});
