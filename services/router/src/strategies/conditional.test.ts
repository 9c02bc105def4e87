import { configSchema, type ConditionalRouteNode } from '@switchyard/shared';
import { features, NO_STATISTICS, target } from './__fixtures__/strategy-targets';
import { conditionalStrategy } from './conditional';

const context = { random: () => 0 };

/** A conditional node as the config file would hold it, parsed by the config schema. */
function nodeOf(route: object): ConditionalRouteNode {
  return configSchema.parse({ routes: { route } }).routes.route as ConditionalRouteNode;
}

const leaf = (model: string, name?: string) => ({ provider: 'p', model, ...(name && { name }) });

describe('conditionalStrategy', () => {
  const node = nodeOf({
    strategy: 'conditional',
    rules: [
      { when: { 'metadata.tier': 'premium' }, target: 'best' },
      { when: { 'headers.X-Team': { in: ['research', 'eval'] }, hasTools: true }, target: 'best' },
      { when: { estimatedInputTokens: { gt: 50_000 } }, target: 'long' },
      { when: { hasTools: true }, target: 1 },
      { when: { user: { matches: '^bot-' } }, target: 'cheap' },
    ],
    default: 'cheap',
    targets: [leaf('big', 'best'), leaf('tools'), leaf('wide', 'long'), leaf('small', 'cheap')],
  });
  const targets = node.targets.map((entry, index) => target(['best', 'tools', 'long', 'cheap'][index], {}));
  const select = conditionalStrategy(targets, context, node);
  const choose = (overrides: Parameters<typeof features>[0]) => select(features(overrides), NO_STATISTICS).map((choice) => choice.name);

  it('selects the target of the first rule that holds, as written', () => {
    expect(choose({ metadata: { tier: 'premium' }, estimatedInputTokens: 100_000 })).toEqual(['best']);
    expect(choose({ headers: { 'x-team': 'eval' }, hasTools: true })).toEqual(['best']);
    expect(choose({ headers: { 'x-team': 'sales' }, hasTools: true })).toEqual(['tools']);
    expect(choose({ estimatedInputTokens: 50_001, hasTools: true })).toEqual(['long']);
    expect(choose({ estimatedInputTokens: 50_000, hasTools: true })).toEqual(['tools']);
    expect(choose({ user: 'bot-7' })).toEqual(['cheap']);
  });

  it('falls to the default when no rule holds', () => {
    expect(choose({})).toEqual(['cheap']);
    expect(choose({ metadata: { tier: 'free' }, headers: { 'x-team': 'eval' } })).toEqual(['cheap']);
  });

  it('compares text fields with numbers and booleans as text, and numbers in text as numbers', () => {
    const numeric = nodeOf({
      strategy: 'conditional',
      rules: [
        { when: { 'metadata.priority': { gte: 5 } }, target: 0 },
        { when: { 'metadata.beta': true }, target: 0 },
        { when: { 'metadata.region': { notIn: ['eu', 'uk'] }, 'metadata.account': { exists: true } }, target: 0 },
      ],
      default: 1,
      targets: [leaf('a'), leaf('b')],
    });
    const pick = conditionalStrategy([target('a'), target('b')], context, numeric);
    const first = (metadata: Record<string, string>) => pick(features({ metadata }), NO_STATISTICS)[0].name;
    expect(first({ priority: '7' })).toBe('a');
    expect(first({ priority: '3' })).toBe('b');
    expect(first({ priority: 'high' })).toBe('b');
    expect(first({ beta: 'true' })).toBe('a');
    expect(first({ account: 'acme' })).toBe('a');
    expect(first({ account: 'acme', region: 'eu' })).toBe('b');
    expect(first({ region: 'us' })).toBe('b');
  });

  it('refuses a reference to no target', () => {
    expect(() =>
      conditionalStrategy([target('a')], context, {
        strategy: 'conditional',
        targets: [],
        rules: [{ when: { stream: true }, target: 'nope' }],
        default: 0,
      }),
    ).toThrow('rules[0].target names no target: "nope"');
  });
});
