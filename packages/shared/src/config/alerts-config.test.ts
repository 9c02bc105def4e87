import { configSchema } from './config-schema';

const parseAlerts = (alerts: unknown) => configSchema.safeParse({ alerts });

const issues = (alerts: unknown) => {
  const result = parseAlerts(alerts);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('the alerts section', () => {
  it('is empty by default, with the delivery defaults', () => {
    expect(configSchema.parse({}).alerts).toEqual({
      evaluationIntervalMs: 60_000,
      channels: {},
      rules: [],
      delivery: { maxAttempts: 5, initialBackoffMs: 1_000, maxBackoffMs: 60_000, timeoutMs: 5_000 },
    });
  });

  it('reads rules with their defaults', () => {
    const alerts = configSchema.parse({
      alerts: {
        channels: { ops: { kind: 'slack', url: '${SLACK_WEBHOOK_URL}' } },
        rules: [{ name: 'errors', kind: 'error_rate', threshold: 0.05, workspace: 'acme', channels: ['ops'] }],
      },
    }).alerts;
    expect(alerts.rules).toEqual([
      { name: 'errors', kind: 'error_rate', threshold: 0.05, windowMs: 300_000, minRequests: 10, workspace: 'acme', channels: ['ops'] },
    ]);
  });

  it('takes a webhook URL only as a reference to an environment variable', () => {
    expect(issues({ channels: { ops: { kind: 'webhook', url: 'https://hooks.slack.com/services/T0/B0/x' } } })).toEqual([
      expect.stringMatching(/^alerts\.channels\.ops\.url: must be a reference to an environment variable/),
    ]);
  });

  it('names the path of a rule that repeats a name, names an unknown channel, or a share above 1', () => {
    expect(
      issues({
        channels: { ops: { kind: 'slack', url: '${A}' } },
        rules: [
          { name: 'errors', kind: 'error_rate', threshold: 2 },
          { name: 'errors', kind: 'latency_p95', threshold: 2_000, channels: ['ops', 'pager'] },
        ],
      }),
    ).toEqual([
      'alerts.rules.0.threshold: is a share from 0 to 1 for error_rate',
      'alerts.rules.1.name: another rule is named errors',
      'alerts.rules.1.channels.1: no channel pager in alerts.channels',
    ]);
    expect(issues({ rules: [{ name: 'x', kind: 'uptime', threshold: 1 }] })[0]).toMatch(/^alerts\.rules\.0\.kind: /);
  });
});
