import { create } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { observabilityV1 } from '@switchyard/proto';
import { alertRuleKinds, type AlertHistoryEntry, type AlertRuleKind, type AlertRuleStatus } from '@switchyard/shared';

/** Conversions between the alert queries' TypeScript types and their protobuf messages. */

export function alertRuleStatusToProto(rule: AlertRuleStatus): observabilityV1.AlertRuleStatus {
  return create(observabilityV1.AlertRuleStatusSchema, {
    name: rule.name,
    kind: rule.kind,
    threshold: rule.threshold,
    windowMs: BigInt(rule.windowMs),
    minRequests: BigInt(rule.minRequests),
    workspace: rule.workspace,
    provider: rule.provider,
    model: rule.model,
    channels: rule.channels,
    evaluationIntervalMs: BigInt(rule.evaluationIntervalMs),
    evaluatedAt: rule.evaluatedAt && timestampFromDate(rule.evaluatedAt),
    firing: rule.firing.map((series) => ({
      series: series.series,
      workspace: series.workspace,
      value: series.value,
      since: timestampFromDate(series.since),
    })),
  });
}

export function alertRuleStatusFromProto(rule: observabilityV1.AlertRuleStatus): AlertRuleStatus {
  return {
    name: rule.name,
    kind: alertKind(rule.kind),
    threshold: rule.threshold,
    windowMs: Number(rule.windowMs),
    minRequests: Number(rule.minRequests),
    workspace: rule.workspace,
    provider: rule.provider,
    model: rule.model,
    channels: rule.channels,
    evaluationIntervalMs: Number(rule.evaluationIntervalMs),
    ...(rule.evaluatedAt && { evaluatedAt: timestampDate(rule.evaluatedAt) }),
    firing: rule.firing.map((series) => ({
      series: series.series,
      workspace: series.workspace,
      value: series.value,
      since: series.since ? timestampDate(series.since) : new Date(0),
    })),
  };
}

export function alertHistoryEntryToProto(entry: AlertHistoryEntry): observabilityV1.AlertHistoryEntry {
  return create(observabilityV1.AlertHistoryEntrySchema, {
    id: entry.id,
    rule: entry.rule,
    kind: entry.kind,
    series: entry.series,
    workspace: entry.workspace,
    state: entry.state,
    value: entry.value,
    threshold: entry.threshold,
    occurredAt: timestampFromDate(entry.occurredAt),
    deliveries: Object.fromEntries(Object.entries(entry.deliveries).map(([channel, delivery]) => [channel, { ...delivery }])),
  });
}

export function alertHistoryEntryFromProto(entry: observabilityV1.AlertHistoryEntry): AlertHistoryEntry {
  return {
    id: entry.id,
    rule: entry.rule,
    kind: alertKind(entry.kind),
    series: entry.series,
    workspace: entry.workspace,
    state: entry.state === 'resolved' ? 'resolved' : 'firing',
    value: entry.value,
    threshold: entry.threshold,
    occurredAt: entry.occurredAt ? timestampDate(entry.occurredAt) : new Date(0),
    deliveries: Object.fromEntries(
      Object.entries(entry.deliveries).map(([channel, delivery]) => [
        channel,
        { status: delivery.status === 'sent' ? ('sent' as const) : ('failed' as const), attempts: delivery.attempts },
      ]),
    ),
  };
}

function alertKind(kind: string): AlertRuleKind {
  return (alertRuleKinds as readonly string[]).includes(kind) ? (kind as AlertRuleKind) : 'error_rate';
}
