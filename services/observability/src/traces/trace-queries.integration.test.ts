import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { eventsV1 } from '@switchyard/proto';
import type { SwitchyardEvent } from '@switchyard/events';
import type { CallContext, TraceSpan } from '@switchyard/shared';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../storage/__fixtures__/event-databases';
import { requestCompleted, requestEvent, timestamp } from '../storage/__fixtures__/events';
import { LocalObservabilityService } from '../local-observability-service';
import { purgeExpiredData } from '../retention/purge-expired-data';

jest.setTimeout(60_000);

const context = (): CallContext => ({ requestId: 'test-call', signal: new AbortController().signal });

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const OTHER_TRACE = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

type SpanInit = Omit<Exclude<MessageInitShape<typeof eventsV1.SpanSchema>, eventsV1.Span>, 'spanId' | 'name' | 'startedAt' | 'endedAt'> & {
  spanId: string;
  name: string;
  at: string;
  until?: string;
};

function span({ at, until, ...fields }: SpanInit): eventsV1.Span {
  return create(eventsV1.SpanSchema, {
    traceId: TRACE,
    kind: eventsV1.SpanKind.SPAN,
    startedAt: timestamp(at),
    endedAt: timestamp(until ?? at),
    attributesJson: '{}',
    ...fields,
  });
}

function spansEvent(eventId: string, workspace: string, spans: eventsV1.Span[]): SwitchyardEvent {
  return {
    kind: 'spans-received',
    event: create(eventsV1.SpansReceivedSchema, {
      eventId,
      occurredAt: timestamp('2025-03-01T12:00:05Z'),
      requestId: `ingest-${eventId}`,
      workspace,
      keyId: 'key-1',
      spans,
    }),
  };
}

/** agent (root) → tool → the gateway's request (a generation) ; agent → judge (an app generation) ; agent → an event. */
const agentSpans = [
  span({
    spanId: '1111111111111111',
    name: 'agent',
    at: '2025-03-01T12:00:00Z',
    until: '2025-03-01T12:00:03Z',
    sessionId: 'session-9',
    user: 'dana',
    serviceName: 'agent-app',
    attributesJson: JSON.stringify({ 'agent.goal': 'answer', nested: { list: [1, 'two', true] } }),
    status: eventsV1.SpanStatus.OK,
  }),
  span({
    spanId: '2222222222222222',
    parentSpanId: '1111111111111111',
    name: 'search-tool',
    at: '2025-03-01T12:00:00.500Z',
    until: '2025-03-01T12:00:02Z',
  }),
  span({
    spanId: '3333333333333333',
    parentSpanId: '1111111111111111',
    name: 'judge',
    kind: eventsV1.SpanKind.GENERATION,
    at: '2025-03-01T12:00:02.100Z',
    until: '2025-03-01T12:00:02.900Z',
    model: 'judge-model',
    tokens: { input: 40, output: 2 },
    status: eventsV1.SpanStatus.ERROR,
    statusMessage: 'refused',
  }),
  span({
    spanId: '4444444444444444',
    parentSpanId: '1111111111111111',
    name: 'plan-ready',
    kind: eventsV1.SpanKind.EVENT,
    at: '2025-03-01T12:00:00.100Z',
  }),
];

/** The gateway's own request under the tool span: it ended at 12:00:01.812375 after 812.375 ms. */
const gatewayRequest = requestCompleted({
  eventId: 'request-1',
  requestId: 'req-1',
  workspace: 'team-a',
  traceId: TRACE,
  spanId: '5555555555555555',
  parentSpanId: '2222222222222222',
  spanName: '',
  sessionId: '',
  user: '',
  occurredAt: timestamp('2025-03-01T12:00:01.812375Z'),
  latencyMs: 812.375,
});

describe.each(DATABASE_KINDS)('traces on %s', (kind) => {
  let database: TestDatabase;
  let service: LocalObservabilityService;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    service = new LocalObservabilityService(database.client);
  });

  beforeEach(async () => {
    await database.client.exec('TRUNCATE requests, spans');
    await database.store.writeBatch([spansEvent('spans-1', 'team-a', agentSpans), requestEvent(gatewayRequest)]);
  });

  afterAll(async () => {
    await database?.dispose();
  });

  it("joins the app's spans and the gateway's request into one trace, every field read back", async () => {
    const trace = await service.getTrace(TRACE, context(), ['team-a']);
    expect(trace?.summary).toEqual({
      traceId: TRACE,
      workspace: 'team-a',
      sessionId: 'session-9',
      user: 'dana',
      startedAt: new Date('2025-03-01T12:00:00Z'),
      endedAt: new Date('2025-03-01T12:00:03Z'),
      costUsd: gatewayRequest.costUsd,
      spanCount: 5,
      name: 'agent',
    });
    // Oldest first.
    expect(trace?.spans.map((item) => item.name)).toEqual(['agent', 'plan-ready', 'search-tool', 'chat fast', 'judge']);
    const byName = new Map<string, TraceSpan>(trace!.spans.map((item) => [item.name, item]));
    expect(byName.get('agent')).toEqual({
      spanId: '1111111111111111',
      parentSpanId: '',
      name: 'agent',
      kind: 'span',
      startedAt: new Date('2025-03-01T12:00:00Z'),
      endedAt: new Date('2025-03-01T12:00:03Z'),
      status: 'ok',
      statusMessage: '',
      attributes: { 'agent.goal': 'answer', nested: { list: [1, 'two', true] } },
      workspace: 'team-a',
      sessionId: 'session-9',
      user: 'dana',
      serviceName: 'agent-app',
    });
    expect(byName.get('judge')).toMatchObject({
      kind: 'generation',
      model: 'judge-model',
      usage: { inputTokens: 40, outputTokens: 2 },
      status: 'error',
    });
    expect(byName.get('plan-ready')).toMatchObject({ kind: 'event', parentSpanId: '1111111111111111' });
    expect(byName.get('chat fast')).toEqual({
      spanId: '5555555555555555',
      parentSpanId: '2222222222222222',
      name: 'chat fast',
      kind: 'generation',
      startedAt: new Date('2025-03-01T12:00:01.000Z'),
      endedAt: new Date('2025-03-01T12:00:01.812Z'),
      status: 'ok',
      statusMessage: '',
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'fast',
        'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
        'gen_ai.provider.name': 'openai',
        'gen_ai.usage.input_tokens': 1200,
        'gen_ai.usage.output_tokens': 350,
        'gen_ai.response.finish_reasons': ['stop'],
        'http.response.status_code': 200,
        'switchyard.deployment': 'openai/gpt-4o-mini',
        'switchyard.tags': ['beta', 'search'],
        'switchyard.time_to_first_token_ms': 143.0625,
      },
      workspace: 'team-a',
      sessionId: '',
      user: '',
      serviceName: '',
      requestId: 'req-1',
      model: 'gpt-4o-mini-2024-07-18',
      usage: { inputTokens: 1200, outputTokens: 350 },
      costUsd: gatewayRequest.costUsd,
    });
  });

  it("keeps a span sent twice once, and never shows another workspace's spans of the same trace id", async () => {
    await database.store.writeBatch([
      spansEvent('spans-1-again', 'team-a', agentSpans.slice(0, 1)),
      spansEvent('spans-b', 'team-b', [span({ spanId: '9999999999999999', name: 'intruder', at: '2025-03-01T11:00:00Z' })]),
    ]);
    expect((await service.getTrace(TRACE, context(), ['team-a']))?.spans).toHaveLength(5);
    const other = await service.getTrace(TRACE, context(), ['team-b']);
    expect(other?.spans.map((item) => item.name)).toEqual(['intruder']);
    expect(await service.getTrace(TRACE, context(), ['team-c'])).toBeUndefined();
    expect(await service.getTrace(TRACE, context(), [])).toBeUndefined();
    expect(await service.getTrace(OTHER_TRACE, context(), 'all')).toBeUndefined();
  });

  it('lists summaries newest first, by session and by user, a page at a time', async () => {
    await database.store.writeBatch([
      spansEvent('spans-2', 'team-a', [
        span({ traceId: OTHER_TRACE, spanId: '6666666666666666', name: 'later', at: '2025-03-01T13:00:00Z', user: 'erin' }),
      ]),
      requestEvent(
        requestCompleted({
          eventId: 'request-2',
          requestId: 'req-2',
          workspace: 'team-a',
          traceId: 'b'.repeat(32),
          user: 'erin',
          spanName: 'lone call',
        }),
      ),
    ]);
    const all = await service.listTraces({ scope: ['team-a'] }, context());
    expect(all.traces.map((summary) => [summary.traceId, summary.name, summary.spanCount])).toEqual([
      [OTHER_TRACE, 'later', 1],
      [TRACE, 'agent', 5],
      // Its request's parent span was never sent: it is the trace's root all the same.
      ['b'.repeat(32), 'lone call', 1],
    ]);
    expect(all.nextCursor).toBeUndefined();
    expect(all.traces[1]).toMatchObject({ sessionId: 'session-9', user: 'dana', costUsd: gatewayRequest.costUsd, workspace: 'team-a' });

    expect((await service.listTraces({ scope: ['team-a'], sessionId: 'session-9' }, context())).traces.map((summary) => summary.traceId)).toEqual([
      TRACE,
    ]);
    const erin = await service.listTraces({ scope: ['team-a'], user: 'erin' }, context());
    expect(erin.traces.map((summary) => summary.traceId)).toEqual([OTHER_TRACE, 'b'.repeat(32)]);
    // The user filter picks traces; the summary still counts every span of them.
    expect((await service.listTraces({ scope: ['team-a'], user: 'dana' }, context())).traces[0].spanCount).toBe(5);

    const first = await service.listTraces({ scope: ['team-a'], limit: 2 }, context());
    expect(first.traces).toHaveLength(2);
    const second = await service.listTraces({ scope: ['team-a'], limit: 2, cursor: first.nextCursor }, context());
    expect(second.nextCursor).toBeUndefined();
    expect([...first.traces, ...second.traces]).toEqual(all.traces);

    expect((await service.listTraces({ scope: ['team-a'], from: new Date('2025-03-01T12:30:00Z') }, context())).traces).toHaveLength(1);
    expect((await service.listTraces({ scope: ['team-b'] }, context())).traces).toEqual([]);
    await expect(service.listTraces({ scope: ['team-a'], cursor: 'not-a-cursor!' }, context())).rejects.toMatchObject({
      status: 400,
      param: 'cursor',
    });
  });

  it("deletes an end user's spans with their data, and purges spans past the retention window", async () => {
    await service.deleteUserData({ user: 'dana', scope: ['team-b'] }, context());
    expect((await service.getTrace(TRACE, context(), ['team-a']))?.spans).toHaveLength(5);
    await service.deleteUserData({ user: 'dana', scope: ['team-a'] }, context());
    expect((await service.getTrace(TRACE, context(), ['team-a']))?.spans.map((item) => item.name)).not.toContain('agent');

    await purgeExpiredData(database.client, new Date('2025-03-01T12:00:02.050Z'));
    expect((await service.getTrace(TRACE, context(), ['team-a']))?.spans.map((item) => item.name)).toEqual(['judge']);
  });
});
