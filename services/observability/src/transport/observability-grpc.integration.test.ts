import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { eventsV1 } from '@switchyard/proto';
import {
  createLogger,
  GatewayError,
  invalidRequest,
  type CallContext,
  type DeleteUserDataQuery,
  type DeletedUserData,
  type WorkspaceScope,
  type ListRequestsQuery,
  type ObservabilityQueryService,
  type RequestPage,
  type RequestRecord,
  type UsageQuery,
  type UsageRow,
  type ListTracesQuery,
  type TracePage,
  type TraceRecord,
} from '@switchyard/shared';
import { startGrpcServer, type RunningGrpcServer } from '@switchyard/rpc';
import { ObservabilityGrpcClient } from './observability-grpc-client';
import { observabilityGrpcService } from './observability-grpc-server';

const logger = createLogger('test', 'silent');

const RECORD: RequestRecord = create(eventsV1.RequestCompletedSchema, {
  eventId: 'evt-1',
  occurredAt: timestampFromDate(new Date('2026-11-26T10:00:00.123Z')),
  requestId: 'req-1',
  workspace: 'team-a',
  user: 'alice',
  requestedModel: 'fast',
  servedModel: 'gpt-4o-mini-2024-07-18',
  provider: 'openai',
  status: eventsV1.RequestStatus.SUCCEEDED,
  latencyMs: 12.5,
  tokens: { input: 10, output: 20, cachedInput: 4, cacheWrite: 0, reasoning: 3 },
  costUsd: 0.000123,
  metadata: { feature: 'search' },
});

const ROW: UsageRow = {
  group: 'gpt-4o-mini',
  requests: 3,
  errors: 1,
  errorRate: 1 / 3,
  inputTokens: 30,
  outputTokens: 60,
  cachedInputTokens: 12,
  cacheWriteTokens: 2,
  reasoningTokens: 9,
  costUsd: 0.5,
  latencyP50Ms: 10,
  latencyP95Ms: 19.5,
};

/** Records the queries it receives and answers with fixed data. */
class RecordingService implements Omit<ObservabilityQueryService, 'getTrace' | 'listTraces'> {
  readonly listQueries: ListRequestsQuery[] = [];
  readonly usageQueries: UsageQuery[] = [];
  readonly getScopes: (WorkspaceScope | undefined)[] = [];
  readonly deletions: DeleteUserDataQuery[] = [];

  async listRequests(query: ListRequestsQuery, _context: CallContext): Promise<RequestPage> {
    this.listQueries.push(query);
    if (query.cursor === 'bad') throw invalidRequest('The cursor is not one this service issued.', 'cursor');
    return query.cursor ? { requests: [] } : { requests: [RECORD], nextCursor: 'page-2' };
  }

  async getRequest(requestId: string, _context: CallContext, scope?: WorkspaceScope): Promise<RequestRecord | undefined> {
    this.getScopes.push(scope);
    return requestId === RECORD.requestId ? RECORD : undefined;
  }

  async deleteUserData(query: DeleteUserDataQuery): Promise<DeletedUserData> {
    this.deletions.push(query);
    return { requests: 3, usage: 2, costs: 1 };
  }

  async usage(query: UsageQuery): Promise<UsageRow[]> {
    this.usageQueries.push(query);
    return [ROW];
  }
}

const TRACE: TraceRecord = {
  summary: {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    workspace: 'team-a',
    sessionId: 'session-1',
    user: 'alice',
    startedAt: new Date('2026-11-26T10:00:00.000Z'),
    endedAt: new Date('2026-11-26T10:00:02.500Z'),
    costUsd: 0.25,
    spanCount: 2,
    name: 'agent',
  },
  spans: [
    {
      spanId: '00f067aa0ba902b7',
      parentSpanId: '',
      name: 'agent',
      kind: 'span',
      startedAt: new Date('2026-11-26T10:00:00.000Z'),
      endedAt: new Date('2026-11-26T10:00:02.500Z'),
      status: 'ok',
      statusMessage: '',
      attributes: { 'agent.step': 1, nested: { list: ['a', true] } },
      workspace: 'team-a',
      sessionId: 'session-1',
      user: 'alice',
      serviceName: 'agent-app',
    },
    {
      spanId: '1111111111111111',
      parentSpanId: '00f067aa0ba902b7',
      name: 'chat gpt-4o',
      kind: 'generation',
      startedAt: new Date('2026-11-26T10:00:01.000Z'),
      endedAt: new Date('2026-11-26T10:00:02.000Z'),
      status: 'error',
      statusMessage: 'upstream failed',
      attributes: {},
      workspace: 'team-a',
      sessionId: '',
      user: '',
      serviceName: '',
      requestId: 'req-1',
      model: 'gpt-4o',
      usage: { inputTokens: 12, outputTokens: 0 },
      costUsd: 0,
    },
  ],
};

/** Records the trace queries it receives and answers with `TRACE`. */
class RecordingTraceService extends RecordingService {
  readonly traceQueries: ListTracesQuery[] = [];
  readonly traceScopes: (WorkspaceScope | undefined)[] = [];

  async getTrace(traceId: string, _context: CallContext, scope?: WorkspaceScope): Promise<TraceRecord | undefined> {
    this.traceScopes.push(scope);
    return traceId === TRACE.summary.traceId ? TRACE : undefined;
  }

  async listTraces(query: ListTracesQuery): Promise<TracePage> {
    this.traceQueries.push(query);
    return { traces: [TRACE.summary], nextCursor: 'next' };
  }
}

const context = (): CallContext => ({ requestId: 'r', signal: new AbortController().signal });

describe('observability queries over gRPC', () => {
  let service: RecordingTraceService;
  let server: RunningGrpcServer;
  let client: ObservabilityGrpcClient;

  beforeEach(async () => {
    service = new RecordingTraceService();
    server = await startGrpcServer({ address: '127.0.0.1:0', services: [observabilityGrpcService(service, logger)], logger });
    client = new ObservabilityGrpcClient({ address: `127.0.0.1:${server.port}`, callTimeoutMs: 2000 });
  });

  afterEach(async () => {
    client.close();
    await server.shutdown(1000);
  });

  it('carries every filter, the limit and the cursor, and returns records unchanged', async () => {
    const filter = {
      from: new Date('2026-11-01T00:00:00Z'),
      to: new Date('2026-11-27T00:00:00.500Z'),
      workspace: 'team-a',
      model: 'fast',
      provider: 'openai',
      status: 'failed' as const,
    };
    const page = await client.listRequests({ filter, limit: 25 }, context());
    expect(service.listQueries[0]).toStrictEqual({ filter, scope: undefined, limit: 25, cursor: undefined });
    expect(page.nextCursor).toBe('page-2');
    expect(page.requests).toHaveLength(1);
    expect(page.requests[0]).toStrictEqual(RECORD);
    const last = await client.listRequests({ filter: {}, cursor: 'page-2' }, context());
    expect(service.listQueries[1]).toStrictEqual({ filter: {}, scope: undefined, limit: undefined, cursor: 'page-2' });
    expect(last).toStrictEqual({ requests: [] });
  });

  it('returns a record by id, or undefined', async () => {
    expect(await client.getRequest('req-1', context())).toStrictEqual(RECORD);
    expect(await client.getRequest('nope', context())).toBeUndefined();
  });

  it('returns usage rows with every figure, for each grouping', async () => {
    for (const groupBy of ['model', 'provider', 'workspace', 'key', 'user', 'day'] as const) {
      expect(await client.usage({ filter: { workspace: 'w' }, groupBy }, context())).toStrictEqual([ROW]);
    }
    expect(service.usageQueries.map((query) => query.groupBy)).toStrictEqual(['model', 'provider', 'workspace', 'key', 'user', 'day']);
  });

  it('carries the workspace scope of every query: a list, none, or every workspace', async () => {
    await client.listRequests({ filter: {}, scope: ['team-a', 'team-b'] }, context());
    await client.listRequests({ filter: {}, scope: [] }, context());
    await client.listRequests({ filter: {}, scope: 'all' }, context());
    expect(service.listQueries.map((query) => query.scope)).toStrictEqual([['team-a', 'team-b'], [], 'all']);
    await client.getRequest('req-1', context(), ['team-a']);
    await client.getRequest('req-1', context(), []);
    await client.getRequest('req-1', context());
    expect(service.getScopes).toStrictEqual([['team-a'], [], undefined]);
    await client.usage({ filter: {}, groupBy: 'model', scope: ['team-b'] }, context());
    expect(service.usageQueries[0].scope).toStrictEqual(['team-b']);
  });

  it("deletes a user's data within the scope named, and reports the counts", async () => {
    expect(await client.deleteUserData({ user: 'alice', scope: ['team-a'] }, context())).toStrictEqual({ requests: 3, usage: 2, costs: 1 });
    expect(await client.deleteUserData({ user: 'bob', scope: 'all' }, context())).toStrictEqual({ requests: 3, usage: 2, costs: 1 });
    expect(service.deletions).toStrictEqual([
      { user: 'alice', scope: ['team-a'] },
      { user: 'bob', scope: 'all' },
    ]);
  });

  it('passes the service error through with its status and parameter', async () => {
    const error = await client.listRequests({ filter: {}, cursor: 'bad' }, context()).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 400, param: 'cursor', message: 'The cursor is not one this service issued.' });
  });

  it('answers a trace with every span and field, and lists traces with their filters', async () => {
    expect(await client.getTrace(TRACE.summary.traceId, context(), ['team-a'])).toStrictEqual(TRACE);
    expect(await client.getTrace('0'.repeat(31) + '1', context())).toBeUndefined();
    expect(service.traceScopes).toStrictEqual([['team-a'], undefined]);
    const query: ListTracesQuery = {
      scope: ['team-a'],
      sessionId: 'session-1',
      user: 'alice',
      from: new Date('2026-11-01T00:00:00Z'),
      to: new Date('2026-11-27T00:00:00Z'),
      limit: 10,
      cursor: 'abc',
    };
    expect(await client.listTraces(query, context())).toStrictEqual({ traces: [TRACE.summary], nextCursor: 'next' });
    await client.listTraces({}, context());
    expect(service.traceQueries).toStrictEqual([query, { scope: undefined }]);
  });
});
