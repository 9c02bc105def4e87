import { configSchema, piiTypes } from '@switchyard/shared';
import { guardrailSettingsFor } from './guardrail-settings';

describe('guardrails config', () => {
  it('is off by default, with every check at its default once enabled', () => {
    expect(configSchema.parse({}).guardrails).toEqual({ enabled: false, workspaces: {} });
    expect(guardrailSettingsFor(configSchema.parse({ guardrails: { enabled: true } }).guardrails, 'any')).toEqual({
      pii: { action: 'redact', categories: piiTypes, minScore: 0.5, scanOutput: false },
      injection: { action: 'block', threshold: 0.8 },
      topics: { action: 'block', deny: [], allow: [], threshold: 0.6 },
    });
  });

  it('lets a workspace replace each field it sets, and only that one', () => {
    const config = configSchema.parse({
      guardrails: {
        enabled: true,
        pii: { categories: ['email', 'phone'], scanOutput: true },
        injection: { threshold: 0.9 },
        workspaces: { payroll: { pii: { action: 'block', categories: ['us_ssn'] }, injection: { action: 'flag' } } },
      },
    }).guardrails;
    const payroll = guardrailSettingsFor(config, 'payroll');
    expect(payroll.pii).toEqual({ action: 'block', categories: ['us_ssn'], minScore: 0.5, scanOutput: true });
    expect(payroll.injection).toEqual({ action: 'flag', threshold: 0.9 });
    expect(guardrailSettingsFor(config, 'other').pii.categories).toEqual(['email', 'phone']);
    // A workspace named like an object property is still just a name.
    expect(guardrailSettingsFor(config, 'constructor').pii.action).toBe('redact');
  });

  it('names the exact path of a bad value', () => {
    const problems = configSchema.safeParse({ guardrails: { workspaces: { a: { pii: { categories: ['passport'] } } } } });
    expect(problems.success).toBe(false);
    expect(problems.error!.issues[0].path).toEqual(['guardrails', 'workspaces', 'a', 'pii', 'categories', 0]);
    expect(configSchema.safeParse({ guardrails: { topics: { deny: [{ name: 'x', examples: [] }] } } }).success).toBe(false);
    expect(configSchema.safeParse({ guardrails: { injection: { threshold: 1.5 } } }).success).toBe(false);
  });
});
