// The shapes of the API answers the dashboard reads (see the README's API section).

export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface AnalyticsMetrics {
  requests: number;
  errors: number;
  error_rate: number;
  latency_ms: Percentiles;
  time_to_first_token_ms: Percentiles | null;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  cache_hit_rate: number;
  scores?: Record<string, { count: number; mean: number | null }>;
}

export interface AnalyticsRow extends AnalyticsMetrics {
  bucket: string | null;
  group: Record<string, string | number | null>;
}

export interface AnalyticsAnswer {
  object: 'analytics';
  from: string;
  to: string;
  interval: string | null;
  group_by: string[];
  data: AnalyticsRow[];
  totals: AnalyticsMetrics;
  previous: AnalyticsMetrics | null;
}

export interface RequestRecord {
  id: string;
  created_at: string | null;
  workspace: string;
  key_id: string | null;
  user: string | null;
  session_id: string | null;
  trace_id: string;
  span_id: string | null;
  parent_span_id: string | null;
  span_name: string | null;
  tags: string[];
  country: string | null;
  operation: string;
  requested_model: string;
  served_model: string | null;
  provider: string | null;
  deployment: string | null;
  attempts: number;
  status: string;
  http_status: number;
  error: { class: string; message: string } | null;
  latency_ms: number;
  time_to_first_token_ms: number | null;
  streamed: boolean;
  usage: { input_tokens: number; output_tokens: number; cached_input_tokens: number; reasoning_tokens: number };
  cost_usd: number;
  cache_status: string;
  metadata: Record<string, string>;
  served_by: string | null;
}

export interface ListAnswer<T> {
  object: 'list';
  data: T[];
  has_more?: boolean;
  next_cursor?: string | null;
}

export interface TraceSpan {
  span_id: string;
  parent_span_id: string | null;
  name: string;
  kind: 'generation' | 'span' | 'event';
  started_at: string;
  ended_at: string | null;
  duration_ms: number | null;
  status: 'ok' | 'error' | 'unset';
  attributes: Record<string, unknown>;
  request_id?: string;
  model?: string;
  usage?: { input_tokens?: number; output_tokens?: number };
  cost_usd?: number;
  children: TraceSpan[];
}

export interface Trace {
  object: 'trace';
  id: string;
  workspace: string;
  session_id: string | null;
  user: string | null;
  started_at: string;
  ended_at: string | null;
  duration_ms: number | null;
  cost_usd: number | null;
  spans: TraceSpan[];
}

/** What the live tail sends: once `ready` after the first message authenticated, then one `request` per recorded request. */
export type LiveTailMessage = { type: 'ready'; workspaces: string[] | 'all' } | { type: 'request'; data: RequestRecord };
