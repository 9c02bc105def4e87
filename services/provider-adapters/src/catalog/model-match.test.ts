import { matchesModel } from './model-match';

describe('matchesModel', () => {
  it('compares text clauses without regard to case', () => {
    expect(matchesModel({ equals: 'GPT-4o' }, 'gpt-4o')).toBe(true);
    expect(matchesModel({ equals: 'gpt-4o' }, 'gpt-4o-mini')).toBe(false);
    expect(matchesModel({ startsWith: 'claude-3-5' }, 'Claude-3-5-Haiku')).toBe(true);
    expect(matchesModel({ endsWith: '-latest' }, 'mistral-large-LATEST')).toBe(true);
    expect(matchesModel({ contains: 'nova-lite' }, 'us.amazon.nova-lite-v1:0')).toBe(true);
    expect(matchesModel({ contains: 'nova-lite' }, 'amazon.nova-pro-v1:0')).toBe(false);
  });

  it('searches a regular expression in the name', () => {
    expect(matchesModel({ regex: '^grok-4\\.3-\\d{8}$' }, 'grok-4.3-20260101')).toBe(true);
    expect(matchesModel({ regex: '^grok-4\\.3-\\d{8}$' }, 'grok-4.3-latest')).toBe(false);
  });

  it('combines clauses with or and and', () => {
    const rule = { or: [{ equals: 'o3' }, { and: [{ startsWith: 'o3-' }, { endsWith: '-16' }] }] };
    expect(matchesModel(rule, 'o3')).toBe(true);
    expect(matchesModel(rule, 'o3-2025-04-16')).toBe(true);
    expect(matchesModel(rule, 'o3-mini')).toBe(false);
  });
});
