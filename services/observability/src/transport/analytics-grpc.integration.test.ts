import {
  createLogger,
  type AnalyticsMetrics,
  type AnalyticsQuery,
  type AnalyticsResult,
  type CallContext,
  type FeedbackInput,
  type FeedbackRecord,
  type ObservabilityQueryService,
} from '@switchyard/shared';
import { startGrpcServer, type RunningGrpcServer } from '@switchyard/rpc';
import { ObservabilityGrpcClient } from './observability-grpc-client';
import { observabilityGrpcService } from './observability-grpc-server';

const logger = createLogger('test', 'silent');

const METRICS: AnalyticsMetrics = {
  requests: 3,
  errors: 1,
  errorRate: 1 / 3,
  latencyMs: { p50: 10.5, p95: 19.25, p99: 19.85 },
  timeToFirstTokenMs: { p50: 1.5, p95: 2.5, p99: 2.75 },
  inputTokens: 30,
  outputTokens: 60,
  costUsd: 0.000_5,
  cacheHitRate: 2 / 3,
  scores: { thumbs: { count: 2, mean: 0.5 }, tone: { count: 3, mean: null, values: { curt: 1, friendly: 2 } } },
};

const RESULT: AnalyticsResult = {
  rows: [
    { bucket: new Date('2026-12-05T14:00:00Z'), group: { model: 'gpt-4o-mini', tag: '' }, ...METRICS },
    { bucket: new Date('2026-12-05T15:00:00Z'), group: { model: 'gpt-4o', tag: 'search' }, ...METRICS, timeToFirstTokenMs: null, scores: {} },
  ],
  totals: METRICS,
  previous: { ...METRICS, requests: 0, scores: {} },
  truncated: true,
};

/** Records what it is asked and answers with fixed data, as the real service would shape it. */
class RecordingService implements Pick<ObservabilityQueryService, 'analytics' | 'recordFeedback'> {
  readonly queries: AnalyticsQuery[] = [];
  readonly inputs: FeedbackInput[] = [];

  async analytics(query: AnalyticsQuery, _context: CallContext): Promise<AnalyticsResult> {
    this.queries.push(query);
    return query.comparePrevious ? RESULT : { ...RESULT, previous: undefined };
  }

  async recordFeedback(input: FeedbackInput): Promise<FeedbackRecord | undefined> {
    this.inputs.push(input);
    if (input.requestId === 'missing') return undefined;
    return {
      id: 'score_1',
      createdAt: new Date('2026-12-05T14:01:02.345Z'),
      workspace: 'team-a',
      requestId: input.requestId ?? '',
      traceId: input.traceId ?? 'a'.repeat(32),
      name: input.name,
      kind: typeof input.value === 'boolean' ? 'boolean' : typeof input.value === 'number' ? 'numeric' : 'categorical',
      value: input.value,
      comment: input.comment ?? '',
    };
  }
}

describe('analytics over gRPC', () => {
  let service: RecordingService;
  let server: RunningGrpcServer;
  let client: ObservabilityGrpcClient;
  const context = (): CallContext => ({ requestId: 'test', signal: new AbortController().signal });

  beforeEach(async () => {
    service = new RecordingService();
    const queries = {
      listRequests: async () => ({ requests: [] }),
      getRequest: async () => undefined,
      usage: async () => [],
      deleteUserData: async () => ({ requests: 0, usage: 0, costs: 0 }),
      getTrace: async () => undefined,
      listTraces: async () => ({ traces: [] }),
      analytics: service.analytics.bind(service),
      recordFeedback: service.recordFeedback.bind(service),
    } satisfies ObservabilityQueryService;
    server = await startGrpcServer({ address: '127.0.0.1:0', services: [observabilityGrpcService(queries, logger)], logger });
    client = new ObservabilityGrpcClient({ address: `127.0.0.1:${server.port}`, callTimeoutMs: 2000 });
  });

  afterEach(async () => {
    client.close();
    await server.shutdown(1000);
  });

  it('carries every filter, the grouping, interval, comparison, limit and scope, and the whole answer back', async () => {
    const query: AnalyticsQuery = {
      filter: {
        from: new Date('2026-12-05T00:00:00Z'),
        to: new Date('2026-12-06T00:00:00Z'),
        workspace: 'team-a',
        user: 'ann',
        sessionId: 's-1',
        model: 'gpt-4o',
        provider: 'openai',
        keyId: 'key-1',
        route: 'fast',
        country: 'DE',
        tag: 'search',
        status: 'failed',
      },
      groupBy: ['model', 'tag'],
      interval: '1h',
      comparePrevious: true,
      limit: 2,
      scope: ['team-a', 'team-b'],
    };
    expect(await client.analytics(query, context())).toEqual(RESULT);
    expect(service.queries).toEqual([query]);
  });

  it('leaves out what was not asked for', async () => {
    const query: AnalyticsQuery = { filter: { from: new Date(0), to: new Date(1_000) }, groupBy: [] };
    const result = await client.analytics(query, context());
    expect(result.previous).toBeUndefined();
    // An absent filter, interval, limit or scope arrives absent (toEqual passes over undefined fields).
    expect(service.queries[0]).toEqual({ ...query, comparePrevious: false });
    expect(Object.values(service.queries[0].filter).filter((value) => value !== undefined)).toHaveLength(2);
  });

  it.each([true, 0.75, 'friendly'])('records feedback with the value %p and answers the stored score', async (value) => {
    const input: FeedbackInput = { requestId: 'req-1', name: 'score', value, comment: 'ok', keyId: 'key-1', scope: ['team-a'] };
    expect(await client.recordFeedback(input, context())).toMatchObject({ id: 'score_1', requestId: 'req-1', value, comment: 'ok' });
    expect(service.inputs).toEqual([input]);
  });

  it('says when there was nothing to score', async () => {
    expect(await client.recordFeedback({ requestId: 'missing', name: 'thumbs', value: false, keyId: '', scope: 'all' }, context())).toBeUndefined();
  });
});
