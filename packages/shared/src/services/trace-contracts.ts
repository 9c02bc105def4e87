import type { WorkspaceScope } from '../auth';

/** What a span stands for in a trace view. */
export type TraceSpanKind = 'generation' | 'span' | 'event';
export type TraceSpanStatus = 'ok' | 'error' | 'unset';

/** One span of a trace: an application's span, or a request through the gateway (a generation). */
export interface TraceSpan {
  spanId: string;
  /** '' at a root. */
  parentSpanId: string;
  name: string;
  kind: TraceSpanKind;
  startedAt: Date;
  endedAt: Date;
  status: TraceSpanStatus;
  statusMessage: string;
  attributes: Record<string, unknown>;
  workspace: string;
  sessionId: string;
  user: string;
  /** The resource's `service.name` of an application span; '' for the gateway's. */
  serviceName: string;
  /** Set on a request through the gateway. */
  requestId?: string;
  model?: string;
  usage?: { inputTokens: number; outputTokens: number };
  /** Set on a request through the gateway. */
  costUsd?: number;
}

/** A trace without its spans. */
export interface TraceSummary {
  traceId: string;
  /** Where its earliest span was recorded. */
  workspace: string;
  sessionId: string;
  user: string;
  startedAt: Date;
  endedAt: Date;
  /** The sum of its requests' costs. */
  costUsd: number;
  spanCount: number;
  /** Its root span's name ('' when unknown). */
  name: string;
}

export interface TraceRecord {
  summary: TraceSummary;
  /** Flat, oldest first; `parentSpanId` makes the tree. */
  spans: TraceSpan[];
}

export interface ListTracesQuery {
  /** Whose traces may be read; absent: every workspace. */
  scope?: WorkspaceScope;
  sessionId?: string;
  user?: string;
  /** Traces that started in [from, to). */
  from?: Date;
  to?: Date;
  /** 1..1000, default 50. */
  limit?: number;
  /** Opaque, from a previous page's `nextCursor`. */
  cursor?: string;
}

export interface TracePage {
  /** Newest first. */
  traces: TraceSummary[];
  /** Absent on the last page. */
  nextCursor?: string;
}
