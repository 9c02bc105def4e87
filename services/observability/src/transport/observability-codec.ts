import { create } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { eventsV1, observabilityV1 } from '@switchyard/proto';
import type { DeletedUserData, RequestFilter, RequestStatusName, UsageGrouping, UsageRow, WorkspaceScope } from '@switchyard/shared';

/** Conversions between the query contract's TypeScript types and its protobuf messages. */

const STATUS_TO_PROTO: Record<RequestStatusName, eventsV1.RequestStatus> = {
  succeeded: eventsV1.RequestStatus.SUCCEEDED,
  failed: eventsV1.RequestStatus.FAILED,
  cancelled: eventsV1.RequestStatus.CANCELLED,
};

const GROUPING_TO_PROTO: Record<UsageGrouping, observabilityV1.UsageGroupBy> = {
  model: observabilityV1.UsageGroupBy.MODEL,
  provider: observabilityV1.UsageGroupBy.PROVIDER,
  workspace: observabilityV1.UsageGroupBy.WORKSPACE,
  key: observabilityV1.UsageGroupBy.KEY,
  user: observabilityV1.UsageGroupBy.USER,
  day: observabilityV1.UsageGroupBy.DAY,
};

function invert<K extends string, V extends number>(record: Record<K, V>): Map<V, K> {
  return new Map(Object.entries(record).map(([key, value]) => [value as V, key as K]));
}

const STATUS_FROM_PROTO = invert(STATUS_TO_PROTO);
const GROUPING_FROM_PROTO = invert(GROUPING_TO_PROTO);

export function requestFilterToProto(filter: RequestFilter): observabilityV1.RequestFilter {
  return create(observabilityV1.RequestFilterSchema, {
    from: filter.from && timestampFromDate(filter.from),
    to: filter.to && timestampFromDate(filter.to),
    workspace: filter.workspace ?? '',
    model: filter.model ?? '',
    provider: filter.provider ?? '',
    status: filter.status ? STATUS_TO_PROTO[filter.status] : eventsV1.RequestStatus.UNSPECIFIED,
  });
}

export function requestFilterFromProto(message: observabilityV1.RequestFilter | undefined): RequestFilter {
  if (!message) return {};
  return {
    ...(message.from && { from: timestampDate(message.from) }),
    ...(message.to && { to: timestampDate(message.to) }),
    ...(message.workspace && { workspace: message.workspace }),
    ...(message.model && { model: message.model }),
    ...(message.provider && { provider: message.provider }),
    ...(STATUS_FROM_PROTO.has(message.status) && { status: STATUS_FROM_PROTO.get(message.status) }),
  };
}

export function usageGroupingToProto(grouping: UsageGrouping): observabilityV1.UsageGroupBy {
  return GROUPING_TO_PROTO[grouping];
}

/** Undefined for a value this version does not know. */
export function usageGroupingFromProto(value: observabilityV1.UsageGroupBy): UsageGrouping | undefined {
  return GROUPING_FROM_PROTO.get(value);
}

export function usageRowToProto(row: UsageRow): observabilityV1.UsageRow {
  return create(observabilityV1.UsageRowSchema, {
    ...row,
    requests: BigInt(row.requests),
    errors: BigInt(row.errors),
    inputTokens: BigInt(row.inputTokens),
    outputTokens: BigInt(row.outputTokens),
    cachedInputTokens: BigInt(row.cachedInputTokens),
    cacheWriteTokens: BigInt(row.cacheWriteTokens),
    reasoningTokens: BigInt(row.reasoningTokens),
  });
}

export function usageRowFromProto(message: observabilityV1.UsageRow): UsageRow {
  return {
    group: message.group,
    requests: Number(message.requests),
    errors: Number(message.errors),
    errorRate: message.errorRate,
    inputTokens: Number(message.inputTokens),
    outputTokens: Number(message.outputTokens),
    cachedInputTokens: Number(message.cachedInputTokens),
    cacheWriteTokens: Number(message.cacheWriteTokens),
    reasoningTokens: Number(message.reasoningTokens),
    costUsd: message.costUsd,
    latencyP50Ms: message.latencyP50Ms,
    latencyP95Ms: message.latencyP95Ms,
  };
}

export function workspaceScopeToProto(scope: WorkspaceScope): observabilityV1.WorkspaceScope {
  return create(observabilityV1.WorkspaceScopeSchema, scope === 'all' ? { all: true } : { workspaces: [...scope] });
}

/** Absent (a caller older than scopes): every workspace, as before scopes existed. */
export function workspaceScopeFromProto(message: observabilityV1.WorkspaceScope | undefined): WorkspaceScope | undefined {
  if (!message) return undefined;
  return message.all ? 'all' : [...message.workspaces];
}

export function deletedUserDataFromProto(message: observabilityV1.DeleteUserDataResponse): DeletedUserData {
  return { requests: Number(message.requests) };
}

export function deletedUserDataToProto(deleted: DeletedUserData): observabilityV1.DeleteUserDataResponse {
  return create(observabilityV1.DeleteUserDataResponseSchema, {
    requests: BigInt(deleted.requests),
  });
}
