import type { WorkspaceScope } from '../auth';
import type { AlertRuleKind } from '../config/alerts-config';

/** What the alert routes read (services/observability/src/alerts). */

/** One series of a rule that is firing now: the rule as a whole (`series` ''), or one provider or budget subject of it. */
export interface FiringAlertSeries {
  series: string;
  workspace: string;
  value: number;
  since: Date;
}

/** A rule as the evaluator last saw it, with what of it is firing now. */
export interface AlertRuleStatus {
  name: string;
  kind: AlertRuleKind;
  threshold: number;
  windowMs: number;
  minRequests: number;
  /** '' when the rule watches every workspace. */
  workspace: string;
  provider: string;
  model: string;
  channels: string[];
  evaluationIntervalMs: number;
  /** When it was last evaluated; undefined before its first evaluation. */
  evaluatedAt?: Date;
  firing: FiringAlertSeries[];
}

/** A delivery of one notice to one channel. */
export interface AlertDelivery {
  status: 'sent' | 'failed';
  attempts: number;
}

/** One firing or one recovery, as notified. */
export interface AlertHistoryEntry {
  id: string;
  rule: string;
  kind: AlertRuleKind;
  series: string;
  /** '' for a rule over every workspace (seen by callers who may read every workspace). */
  workspace: string;
  state: 'firing' | 'resolved';
  value: number;
  threshold: number;
  occurredAt: Date;
  /** By channel name; a channel still being tried is absent. */
  deliveries: Record<string, AlertDelivery>;
}

export interface AlertHistoryQuery {
  /** Inclusive; default 24 hours before `to`. */
  from?: Date;
  /** Exclusive; default now. */
  to?: Date;
  rule?: string;
  /** 1..1000; default 100. Newest first. */
  limit?: number;
  /** The caller's readable workspaces: a rule over every workspace is seen only with `all`. */
  scope: WorkspaceScope;
}
