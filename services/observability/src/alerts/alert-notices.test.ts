import { alertsConfigSchema, type AlertHistoryEntry, type AlertRule } from '@switchyard/shared';
import { noticeText, slackNotice, webhookNotice } from './alert-notices';

const rule = (fields: Record<string, unknown>): AlertRule => alertsConfigSchema.parse({ rules: [{ name: 'r', threshold: 1, ...fields }] }).rules[0];

const entry = (fields: Partial<AlertHistoryEntry>): AlertHistoryEntry => ({
  id: 'alert_1',
  rule: 'r',
  kind: 'error_rate',
  series: '',
  workspace: '',
  state: 'firing',
  value: 0,
  threshold: 1,
  occurredAt: new Date('2026-12-05T10:00:00Z'),
  deliveries: {},
  ...fields,
});

describe('alert notices', () => {
  it.each([
    [{ kind: 'error_rate', threshold: 0.05, windowMs: 300_000 }, { value: 0.125 }, '[FIRING] r: error rate 12.5% >= 5.0% over the last 5m'],
    [
      { kind: 'latency_p95', threshold: 2_000, windowMs: 3_600_000, model: 'gpt-4o' },
      { value: 2_345.6 },
      '[FIRING] r: p95 latency 2346 ms >= 2000 ms over the last 1h (model gpt-4o)',
    ],
    [{ kind: 'spend_burn_rate', threshold: 20, windowMs: 90_000 }, { value: 31.5 }, '[FIRING] r: spend $31.50/h >= $20.00/h over the last 90s'],
    [
      { kind: 'budget', threshold: 80 },
      { series: 'budget0:workspace:acme', value: 91.25 },
      '[FIRING] r: budget used 91.3% >= 80.0% in the current budget period (budget0:workspace:acme)',
    ],
    [
      { kind: 'provider_outage', threshold: 0.9, windowMs: 120_000, workspace: 'acme', provider: 'openai' },
      { series: 'openai', value: 0, state: 'resolved' as const },
      '[RESOLVED] r: provider 5xx rate 0.0% < 90.0% over the last 2m (openai, workspace acme, provider openai)',
    ],
  ])('words %j', (fields, state, text) => {
    const configured = rule(fields);
    expect(noticeText(entry({ kind: configured.kind, threshold: configured.threshold, ...state }), configured)).toBe(text);
  });

  it('gives Slack its text and blocks, and a generic webhook every field', () => {
    const configured = rule({ kind: 'error_rate', threshold: 0.5, windowMs: 60_000, workspace: 'acme' });
    const resolved = entry({ state: 'resolved', value: 0.1, threshold: 0.5, workspace: 'acme' });
    expect(slackNotice(resolved, configured)).toEqual({
      text: '[RESOLVED] r: error rate 10.0% < 50.0% over the last 1m (workspace acme)',
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: ':white_check_mark: *Resolved: r*\n[RESOLVED] r: error rate 10.0% < 50.0% over the last 1m (workspace acme)',
          },
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'Switchyard alert alert_1 at 2026-12-05T10:00:00.000Z' }] },
      ],
    });
    expect(webhookNotice(resolved, configured)).toEqual({
      type: 'alert.resolved',
      id: 'alert_1',
      rule: 'r',
      kind: 'error_rate',
      series: '',
      workspace: 'acme',
      provider: null,
      model: null,
      value: 0.1,
      threshold: 0.5,
      window_ms: 60_000,
      occurred_at: '2026-12-05T10:00:00.000Z',
      text: '[RESOLVED] r: error rate 10.0% < 50.0% over the last 1m (workspace acme)',
    });
  });
});
