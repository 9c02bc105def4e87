import type { eventsV1 } from '@switchyard/proto';
import type { WorkspaceScope } from '../auth';
import type { AlertHistoryEntry, AlertHistoryQuery, AlertRuleStatus } from './alert-queries';
import type { RequestFeatures } from '../routing/request-features';
import type { ListTracesQuery, TracePage, TraceRecord } from './trace-contracts';
import type {
  ChatRequest,
  ChatResponse,
  EmbeddingRequest,
  EmbeddingResponse,
  Deployment,
  ModelEntry,
  RoutePlan,
  StreamPart,
  TranscriptionRequest,
  TranscriptionResponse,
} from '../canonical';
import type { AnalyticsQuery, AnalyticsResult, FeedbackInput, FeedbackRecord } from './analytics-contracts';

/**
 * The service interfaces. In embedded mode the gateway holds the
 * implementations directly; in distributed mode it holds gRPC clients that
 * implement the same interfaces.
 */

/** What every call carries across a service boundary. */
export interface CallContext {
  requestId: string;
  /** Aborted when the client goes away or the deadline passes. */
  signal: AbortSignal;
}

export interface RouterService {
  /** Throws `modelNotFound` for an unknown model; `features` are what strategies may branch on. */
  resolveRoute(model: string, context: CallContext, features?: RequestFeatures): Promise<RoutePlan>;
  listModels(context: CallContext): Promise<ModelEntry[]>;
  /**
   * Whether routes can be resolved: `stale` while they come from the last
   * snapshot of a router that cannot be reached, `waiting` before any
   * (readiness then fails). Absent: always `ready` (routes held locally).
   */
  readiness?(): RouterReadiness;
}

export type RouterReadiness = 'ready' | 'stale' | 'waiting';

export interface ProviderAdapterService {
  complete(deployment: Deployment, request: ChatRequest, context: CallContext): Promise<ChatResponse>;
  /**
   * Resolves once the provider has accepted the request (so errors before the
   * first byte surface as a rejected promise), then yields parts as they come.
   */
  stream(deployment: Deployment, request: ChatRequest, context: CallContext): Promise<AsyncIterable<StreamPart>>;
  embed(deployment: Deployment, request: EmbeddingRequest, context: CallContext): Promise<EmbeddingResponse>;
  /**
   * OpenAI's Responses API passed through to an upstream that speaks it
   * (`speaksResponsesApi`): the client's body as sent (model set to the
   * deployment's), the upstream's `Response` as it answered. Absent where
   * the adapters cannot.
   */
  respond?(deployment: Deployment, body: Record<string, unknown>, context: CallContext): Promise<Record<string, unknown>>;
  /** The same, streamed: the upstream's events as they come. */
  streamRespond?(deployment: Deployment, body: Record<string, unknown>, context: CallContext): Promise<AsyncIterable<NativeStreamEvent>>;
  /** An audio transcription at the deployment's provider; absent where the adapters offer none. */
  transcribe?(deployment: Deployment, request: TranscriptionRequest, context: CallContext): Promise<TranscriptionResponse>;
}

/** One server-sent event of an upstream's own stream, passed through unchanged. */
export interface NativeStreamEvent {
  event?: string;
  data: string;
}

/**
 * The model lists providers gave of themselves (an OpenAI-compatible
 * server's `GET /models`), for providers configured without `models`.
 */
export interface DiscoveredModels {
  /** Changes whenever a list does: the same version means the same lists. */
  version: number;
  /** By provider id; a provider absent here has no known list yet (and accepts any model until it has). */
  providers: Record<string, readonly string[]>;
}

/** Where the router gets the discovered lists: the adapter service, which holds the keys to ask with. */
export interface DiscoveredModelSource {
  discoveredModels(context: CallContext): Promise<DiscoveredModels>;
}

/** A recorded request: the `RequestCompleted` event as the consumers stored it. */
export type RequestRecord = eventsV1.RequestCompleted;

export const requestStatuses = ['succeeded', 'failed', 'cancelled'] as const;
export type RequestStatusName = (typeof requestStatuses)[number];

export const usageGroupings = ['model', 'provider', 'workspace', 'key', 'user', 'day'] as const;
export type UsageGrouping = (typeof usageGroupings)[number];

/** Filters shared by the queries; an absent field does not filter. */
export interface RequestFilter {
  /** Inclusive lower bound of `occurredAt`. */
  from?: Date;
  /** Exclusive upper bound of `occurredAt`. */
  to?: Date;
  workspace?: string;
  /** Matches the requested or the served model. */
  model?: string;
  provider?: string;
  status?: RequestStatusName;
}

export interface ListRequestsQuery {
  filter: RequestFilter;
  /** Whose records may be read (the caller's `readableWorkspaces`); absent: every workspace. */
  scope?: WorkspaceScope;
  /** 1..1000, default 50. */
  limit?: number;
  /** Opaque, from a previous page's `nextCursor`. */
  cursor?: string;
}

export interface RequestPage {
  /** Newest first. */
  requests: RequestRecord[];
  /** Absent on the last page. */
  nextCursor?: string;
}

export interface UsageQuery {
  filter: RequestFilter;
  /** Whose records are counted (the caller's `readableWorkspaces`); absent: every workspace. */
  scope?: WorkspaceScope;
  groupBy: UsageGrouping;
}

export interface UsageRow {
  /** The group's value: a model name, a provider, ..., or a UTC day `YYYY-MM-DD`. */
  group: string;
  requests: number;
  errors: number;
  /** errors / requests */
  errorRate: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  costUsd: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
}

/** Everything stored for one end user, within some workspaces. */
export interface DeleteUserDataQuery {
  /** The request's `user`, as recorded. */
  user: string;
  /** The workspaces to delete in; `all` for every one. */
  scope: WorkspaceScope;
}

/** Rows deleted, per table. */
export interface DeletedUserData {
  requests: number;
}

/** Reads what the observability consumers recorded. */
export interface ObservabilityQueryService {
  /** Throws `invalidRequest` for a cursor it did not issue. */
  listRequests(query: ListRequestsQuery, context: CallContext): Promise<RequestPage>;
  /**
   * Undefined when no request with that id was recorded in `scope` (absent:
   * every workspace): a record of another workspace with the same id is
   * neither returned nor revealed.
   */
  getRequest(requestId: string, context: CallContext, scope?: WorkspaceScope): Promise<RequestRecord | undefined>;
  /** Rows ordered by group. */
  usage(query: UsageQuery, context: CallContext): Promise<UsageRow[]>;
  /** Deletes every record, usage row and cost of one end user in the query's workspaces. */
  deleteUserData(query: DeleteUserDataQuery, context: CallContext): Promise<DeletedUserData>;

  // Traces (trace-contracts.ts).
  /** Undefined when nothing of the trace was recorded in `scope` (absent: every workspace). */
  getTrace(traceId: string, context: CallContext, scope?: WorkspaceScope): Promise<TraceRecord | undefined>;
  /** Throws `invalidRequest` for a cursor it did not issue. */
  listTraces(query: ListTracesQuery, context: CallContext): Promise<TracePage>;
  // Alerts (alert-queries.ts); absent where no alert store is reachable (`/v1/alerts/*` answer 404).
  /** Rules whose workspace `scope` includes; a rule over every workspace only with `all`. By name. */
  listAlertRules?(scope: WorkspaceScope, context: CallContext): Promise<AlertRuleStatus[]>;
  /** Firings and recoveries, newest first. */
  alertHistory?(query: AlertHistoryQuery, context: CallContext): Promise<AlertHistoryEntry[]>;
  // Analytics and feedback (`/v1/analytics`, `/v1/feedback`). Optional: a query
  // service without them (a test double, an older server) gets a 501 on those routes.
  /** Metrics per group and time bucket, totals, and the previous period's totals when asked. */
  analytics?(query: AnalyticsQuery, context: CallContext): Promise<AnalyticsResult>;
  /**
   * Stores a score on a request or trace recorded in the input's scope, in
   * that record's workspace; undefined (nothing stored) when there is none.
   */
  recordFeedback?(input: FeedbackInput, context: CallContext): Promise<FeedbackRecord | undefined>;
}
