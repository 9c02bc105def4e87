import type { AlertHistoryEntry, AlertRule } from '@switchyard/shared';

/** What a notice says, in words, for people (Slack) and beside the fields (generic webhooks). */
export function noticeText(entry: AlertHistoryEntry, rule: AlertRule): string {
  const label = entry.state === 'firing' ? 'FIRING' : 'RESOLVED';
  const comparison = entry.state === 'firing' ? '>=' : '<';
  const where = [
    entry.series,
    rule.workspace && `workspace ${rule.workspace}`,
    rule.provider && `provider ${rule.provider}`,
    rule.model && `model ${rule.model}`,
  ].filter(Boolean);
  const period = rule.kind === 'budget' ? 'in the current budget period' : `over the last ${formatDuration(rule.windowMs)}`;
  return `[${label}] ${entry.rule}: ${KIND_NAMES[entry.kind]} ${formatValue(entry.kind, entry.value)} ${comparison} ${formatValue(entry.kind, entry.threshold)} ${period}${where.length > 0 ? ` (${where.join(', ')})` : ''}`;
}

const KIND_NAMES: Record<AlertRule['kind'], string> = {
  error_rate: 'error rate',
  latency_p95: 'p95 latency',
  spend_burn_rate: 'spend',
  budget: 'budget used',
  provider_outage: 'provider 5xx rate',
};

function formatValue(kind: AlertRule['kind'], value: number): string {
  switch (kind) {
    case 'error_rate':
    case 'provider_outage':
      return `${(value * 100).toFixed(1)}%`;
    case 'latency_p95':
      return `${Math.round(value)} ms`;
    case 'spend_burn_rate':
      return `$${value.toFixed(2)}/h`;
    case 'budget':
      return `${value.toFixed(1)}%`;
  }
}

function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}

/** A Slack incoming webhook's message: `text` for notifications, `blocks` for the channel. */
export function slackNotice(entry: AlertHistoryEntry, rule: AlertRule): object {
  const text = noticeText(entry, rule);
  const icon = entry.state === 'firing' ? ':rotating_light:' : ':white_check_mark:';
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${icon} *${entry.state === 'firing' ? 'Firing' : 'Resolved'}: ${entry.rule}*\n${text}` } },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `Switchyard alert ${entry.id} at ${entry.occurredAt.toISOString()}` }],
      },
    ],
  };
}

/** A generic webhook's JSON: every field of the entry, snake_case as in the API. */
export function webhookNotice(entry: AlertHistoryEntry, rule: AlertRule): object {
  return {
    type: `alert.${entry.state}`,
    id: entry.id,
    rule: entry.rule,
    kind: entry.kind,
    series: entry.series,
    workspace: entry.workspace || null,
    provider: rule.provider ?? null,
    model: rule.model ?? null,
    value: entry.value,
    threshold: entry.threshold,
    window_ms: rule.kind === 'budget' ? null : rule.windowMs,
    occurred_at: entry.occurredAt.toISOString(),
    text: noticeText(entry, rule),
  };
}
