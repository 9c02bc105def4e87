import type { WorkspaceScope } from '../auth';
import type { RequestStatusName } from './contracts';

/** What `/v1/analytics` may group by; several at once. */
export const analyticsDimensions = [
  'user',
  'session',
  'workspace',
  'key',
  'model',
  'provider',
  'route',
  'prompt_version',
  'experiment_arm',
  'country',
  'tag',
  'status',
  'operation',
] as const;
export type AnalyticsDimension = (typeof analyticsDimensions)[number];

/** Time bucket widths, in seconds. */
export const analyticsIntervals = { '1m': 60, '5m': 300, '15m': 900, '1h': 3_600, '6h': 21_600, '1d': 86_400 } as const;
export type AnalyticsInterval = keyof typeof analyticsIntervals;

/** Filters of an analytics query; an absent field does not filter. */
export interface AnalyticsFilter {
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
  workspace?: string;
  user?: string;
  sessionId?: string;
  /** The requested or the served model. */
  model?: string;
  provider?: string;
  keyId?: string;
  /** The model or alias the client asked for. */
  route?: string;
  country?: string;
  /** Requests carrying this tag. */
  tag?: string;
  status?: RequestStatusName;
}

export interface AnalyticsQuery {
  filter: AnalyticsFilter;
  /** Whose records are counted (the caller's `readableWorkspaces`); absent: every workspace. */
  scope?: WorkspaceScope;
  groupBy: AnalyticsDimension[];
  /** Absent: no time buckets. */
  interval?: AnalyticsInterval;
  /** Also the totals of the equal period before `from`. */
  comparePrevious?: boolean;
  /** Most rows returned (1..10000, default 1000); `truncated` says when more matched. */
  limit?: number;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

/** Feedback scores of one name: booleans count as 1 and 0; categorical values have no mean. */
export interface ScoreSummary {
  count: number;
  mean: number | null;
  /** Categorical scores: how often each value was given. */
  values?: Record<string, number>;
}

export interface AnalyticsMetrics {
  requests: number;
  errors: number;
  errorRate: number;
  latencyMs: Percentiles;
  /** Over streamed requests that reached a first token; null when there were none. */
  timeToFirstTokenMs: Percentiles | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Requests answered from the response cache (exact or semantic) / requests. */
  cacheHitRate: number;
  scores: Record<string, ScoreSummary>;
}

export interface AnalyticsRow extends AnalyticsMetrics {
  /** Start of the time bucket; absent without an interval. */
  bucket?: Date;
  /** The value of each grouped dimension. */
  group: Partial<Record<AnalyticsDimension, string>>;
}

export interface AnalyticsResult {
  rows: AnalyticsRow[];
  totals: AnalyticsMetrics;
  /** With `comparePrevious`: the totals of the equal period just before. */
  previous?: AnalyticsMetrics;
  /** More rows matched than `limit`. */
  truncated: boolean;
}

export const scoreKinds = ['boolean', 'numeric', 'categorical'] as const;
export type ScoreKind = (typeof scoreKinds)[number];

/** A score to attach to a recorded request or to a trace. */
export interface FeedbackInput {
  /** Exactly one of the two. */
  requestId?: string;
  traceId?: string;
  name: string;
  value: boolean | number | string;
  comment?: string;
  /** The caller's key, '' without one. */
  keyId: string;
  /** Where the request or trace may be looked up (the caller's `readableWorkspaces`). */
  scope: WorkspaceScope;
}

export interface FeedbackRecord {
  id: string;
  createdAt: Date;
  workspace: string;
  requestId: string;
  traceId: string;
  name: string;
  kind: ScoreKind;
  value: boolean | number | string;
  comment: string;
}
