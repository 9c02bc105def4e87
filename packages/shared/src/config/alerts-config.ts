import { z } from 'zod';

/**
 * What a rule watches, over the requests recorded in its window:
 * - `error_rate`: the share of requests that did not succeed (threshold 0..1);
 * - `latency_p95`: the 95th percentile of latency, in milliseconds;
 * - `spend_burn_rate`: the cost in the window, as USD per hour;
 * - `budget`: each `governance.budgets` budget's spend in its current period, as a percent of its limit;
 * - `provider_outage`: per provider, the share of requests answered with a 5xx (threshold 0..1).
 */
export const alertRuleKinds = ['error_rate', 'latency_p95', 'spend_burn_rate', 'budget', 'provider_outage'] as const;
export type AlertRuleKind = (typeof alertRuleKinds)[number];

/** Channel and rule names: they appear in notices, history and the API. */
const alertName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_.-]*$/, 'must be lower-case letters, digits, _ . or -, starting with a letter or digit');

/** A webhook URL carries its own credential (Slack's does), so it is only ever a reference. */
const webhookUrl = z
  .string()
  .regex(/^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/, 'must be a reference to an environment variable, such as ${SLACK_WEBHOOK_URL}: a webhook URL is a secret');

const alertChannelSchema = z.discriminatedUnion('kind', [
  /** Slack incoming webhook (or a compatible one: Mattermost, Rocket.Chat): `{"text", "blocks"}`. */
  z.strictObject({ kind: z.literal('slack'), url: webhookUrl }),
  /** Any HTTP endpoint: the notice as JSON (`type`: `alert.firing` or `alert.resolved`). */
  z.strictObject({ kind: z.literal('webhook'), url: webhookUrl }),
]);

const alertRuleSchema = z.strictObject({
  name: alertName,
  kind: z.enum(alertRuleKinds),
  /** The value at which the rule fires (it clears below it); unit by kind (see `alertRuleKinds`). */
  threshold: z.number().nonnegative(),
  /** How far back each evaluation looks (not used by `budget`, which looks at the budget's period). */
  windowMs: z.number().int().min(1_000).default(300_000),
  /** Fewer requests than this in the window: too few to judge, the rule does not fire (`error_rate`, `latency_p95`, `provider_outage`). */
  minRequests: z.number().int().positive().default(10),
  /** Only this workspace's requests; its members then see the rule and its history. Absent: every workspace (admins see it). */
  workspace: z.string().min(1).optional(),
  provider: z.string().min(1).optional(),
  /** The requested or the served model. */
  model: z.string().min(1).optional(),
  /** Channels notified; absent: every channel. */
  channels: z.array(alertName).optional(),
  /** Overrides `alerts.evaluationIntervalMs` for this rule. */
  evaluationIntervalMs: z.number().int().min(100).optional(),
});

/**
 * The `alerts` section: rules evaluated on a schedule over the recorded
 * requests (by the gateway in one process, by the observability service in
 * distributed mode; with several replicas, by one at a time), each firing
 * and each recovery notified once to its channels.
 */
export const alertsConfigSchema = z
  .strictObject({
    /** How often the rules are evaluated. */
    evaluationIntervalMs: z.number().int().min(100).default(60_000),
    channels: z.record(alertName, alertChannelSchema).default({}),
    rules: z.array(alertRuleSchema).default([]),
    /** How a notice is sent: each try bounded by `timeoutMs`, retried with exponential back-off and full jitter. */
    delivery: z
      .strictObject({
        maxAttempts: z.number().int().positive().max(20).default(5),
        initialBackoffMs: z.number().int().positive().default(1_000),
        maxBackoffMs: z.number().int().positive().default(60_000),
        timeoutMs: z.number().int().positive().default(5_000),
      })
      .prefault({}),
  })
  .superRefine((alerts, context) => {
    const names = new Set<string>();
    alerts.rules.forEach((rule, index) => {
      if (names.has(rule.name)) context.addIssue({ code: 'custom', path: ['rules', index, 'name'], message: `another rule is named ${rule.name}` });
      names.add(rule.name);
      rule.channels?.forEach((channel, position) => {
        if (!(channel in alerts.channels)) {
          context.addIssue({ code: 'custom', path: ['rules', index, 'channels', position], message: `no channel ${channel} in alerts.channels` });
        }
      });
      if ((rule.kind === 'error_rate' || rule.kind === 'provider_outage') && rule.threshold > 1) {
        context.addIssue({ code: 'custom', path: ['rules', index, 'threshold'], message: `is a share from 0 to 1 for ${rule.kind}` });
      }
    });
  })
  .prefault({});

export type AlertsConfig = z.infer<typeof alertsConfigSchema>;
export type AlertRule = AlertsConfig['rules'][number];
export type AlertChannel = AlertsConfig['channels'][string];
