import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import OpenAI from 'openai';
import { context, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OTLPProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as OTLPJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { waitFor } from '../support/wait-for';
import { startSwitchyard, type Mode, type RunningSwitchyard } from './switchyard-harness';

/**
 * Traces end to end, as an application instrumented with the official
 * OpenTelemetry SDK sends them: an agent span, a tool span under it, an
 * LLM call through the gateway with `traceparent` propagated (the gateway's
 * request becomes a generation under the tool), a span the application
 * parents on the gateway's answered `traceparent`, a GenAI `chat` span of
 * its own, and a span event. Exported over OTLP/HTTP in protobuf (gzip) and
 * in JSON, with a Switchyard key; `/v1/traces/{id}` answers the tree, in
 * the key's workspace only. In one process (in-process bus, embedded
 * database) and distributed (Kafka, Postgres, queries over gRPC).
 */

interface FormattedSpan {
  span_id: string;
  parent_span_id: string | null;
  name: string;
  kind: string;
  status: string;
  attributes: Record<string, unknown>;
  service_name: string | null;
  request_id?: string;
  model?: string;
  usage?: { input_tokens: number; output_tokens: number };
  cost_usd?: number;
  duration_ms: number;
  children: FormattedSpan[];
}

const W3C = new W3CTraceContextPropagator();

/** Every span of a tree, depth first. */
function flatten(spans: FormattedSpan[]): FormattedSpan[] {
  return spans.flatMap((span) => [span, ...flatten(span.children)]);
}

/** A span's shape without ids and times: name, kind, and its children's shapes (by name: siblings may start in the same millisecond). */
function shape(span: FormattedSpan): unknown {
  const children = [...span.children].sort((a, b) => (a.name < b.name ? -1 : 1));
  return { name: span.name, kind: span.kind, children: children.map(shape) };
}

describe.each<Mode>(['embedded', 'distributed'])('traces from OpenTelemetry (%s mode)', (mode) => {
  const run = randomBytes(4).toString('hex');
  const teamA = `traces-a-${run}`;
  const teamB = `traces-b-${run}`;
  const keys = { a: '', b: '', viewerA: '' };
  let upstream: MockOpenAIUpstream;
  let switchyard: RunningSwitchyard;
  let root: string;
  const providers: BasicTracerProvider[] = [];

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    switchyard = await startSwitchyard(mode, { providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'] } } });
    root = switchyard.origin;
    const admin = async (path: string, body: unknown): Promise<{ key: string }> => {
      const response = await fetch(`${root}/admin/v1/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${switchyard.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(201);
      return (await response.json()) as { key: string };
    };
    for (const workspace of [teamA, teamB]) await admin('workspaces', { id: workspace, organization: 'default' });
    keys.a = (await admin('keys', { workspace: teamA, name: 'app' })).key;
    keys.b = (await admin('keys', { workspace: teamB, name: 'other' })).key;
    keys.viewerA = (await admin('keys', { workspace: teamA, name: 'viewer', role: 'viewer' })).key;
  }, 120_000);

  afterAll(async () => {
    for (const provider of providers) await provider.shutdown();
    await switchyard?.close();
    await upstream?.close();
  });

  /** A tracer whose spans are exported to the gateway as each ends. */
  function tracerOf(encoding: 'protobuf' | 'json', key: string): { tracer: Tracer; provider: BasicTracerProvider } {
    const options = { url: `${root}/v1/traces`, headers: { authorization: `Bearer ${key}` } };
    const exporter =
      encoding === 'protobuf' ? new OTLPProtoExporter({ ...options, compression: CompressionAlgorithm.GZIP }) : new OTLPJsonExporter(options);
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': `agent-app-${encoding}` }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    providers.push(provider);
    return { tracer: provider.getTracer('agent'), provider };
  }

  async function get(path: string, key: string): Promise<{ status: number; body: any }> {
    const response = await fetch(`${root}${path}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: response.status, body: await response.json() };
  }

  /** The trace once it holds `spans` spans (spans and records appear shortly after they are sent). */
  function traceWith(traceId: string, spans: number, key = keys.a) {
    return waitFor(
      () => get(`/v1/traces/${traceId}`, key),
      ({ status, body }) => status === 200 && body.span_count >= spans,
      { timeoutMs: 30_000, what: `trace ${traceId} with ${spans} spans` },
    );
  }

  /**
   * The agent: agent → tool → (LLM call through the gateway → post-process),
   * agent → judge (a GenAI chat span of the application's own), and an event
   * on the agent span. Returns the trace id and what the gateway answered.
   */
  async function runAgent(
    tracer: Tracer,
    session: string,
  ): Promise<{ traceId: string; traceparent: string; requestId: string; servedModel: string }> {
    const agent = tracer.startSpan('agent', { attributes: { 'session.id': session, 'user.id': 'dana', 'agent.goal': 'answer' } });
    const agentContext = trace.setSpan(context.active(), agent);
    agent.addEvent('plan-ready', { steps: 2 });
    const tool = tracer.startSpan('search-tool', { attributes: { 'tool.query': 'switchyards' } }, agentContext);
    const toolContext = trace.setSpan(agentContext, tool);
    const headers: Record<string, string> = { 'x-switchyard-span-name': 'llm-call', 'x-switchyard-session-id': session };
    W3C.inject(toolContext, headers, { set: (carrier, name, value) => (carrier[name] = value) });
    const client = new OpenAI({ baseURL: switchyard.baseURL, apiKey: keys.a, maxRetries: 0 });
    const { response, data } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, { headers })
      .withResponse();
    expect(data.choices[0].message.content).toBeTruthy();
    const traceparent = response.headers.get('traceparent') ?? '';
    const requestId = response.headers.get('x-request-id') ?? '';
    // The application parents its next step on the gateway's own span, as the answered traceparent says.
    const gatewayContext: Context = W3C.extract(context.active(), { traceparent }, { get: (carrier, name) => carrier[name], keys: Object.keys });
    const postProcess = tracer.startSpan('post-process', {}, gatewayContext);
    postProcess.end();
    tool.end();
    const judge: Span = tracer.startSpan(
      'judge',
      {
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': 'judge-model',
          'gen_ai.usage.input_tokens': 40,
          'gen_ai.usage.output_tokens': 2,
        },
      },
      agentContext,
    );
    judge.setStatus({ code: 2, message: 'judge refused' });
    judge.end();
    agent.end();
    return { traceId: agent.spanContext().traceId, traceparent, requestId, servedModel: data.model };
  }

  it.each(['protobuf', 'json'] as const)('answers the nested tree an OpenTelemetry app sent over OTLP/%s', async (encoding) => {
    const { tracer, provider } = tracerOf(encoding, keys.a);
    const session = `session-${encoding}-${run}`;
    const { traceId, traceparent, requestId, servedModel } = await runAgent(tracer, session);
    await provider.forceFlush();
    expect(traceparent).toMatch(new RegExp(`^00-${traceId}-[\\da-f]{16}-01$`));
    const gatewaySpanId = traceparent.split('-')[2];

    // agent, its event, tool, the gateway's generation, post-process, judge.
    const { body } = await traceWith(traceId, 6);
    expect(body).toMatchObject({ object: 'trace', id: traceId, workspace: teamA, session_id: session, user: 'dana', name: 'agent', span_count: 6 });
    expect(body.spans.map(shape)).toEqual([
      {
        name: 'agent',
        kind: 'span',
        children: [
          { name: 'judge', kind: 'generation', children: [] },
          { name: 'plan-ready', kind: 'event', children: [] },
          {
            name: 'search-tool',
            kind: 'span',
            children: [{ name: 'llm-call', kind: 'generation', children: [{ name: 'post-process', kind: 'span', children: [] }] }],
          },
        ],
      },
    ]);
    const spans = flatten(body.spans);
    const byName = new Map(spans.map((span) => [span.name, span]));
    expect(byName.get('agent')).toMatchObject({
      service_name: `agent-app-${encoding}`,
      attributes: { 'session.id': session, 'user.id': 'dana', 'agent.goal': 'answer' },
    });
    expect(byName.get('plan-ready')).toMatchObject({ attributes: { steps: 2 }, duration_ms: 0 });
    expect(byName.get('llm-call')).toMatchObject({
      span_id: gatewaySpanId,
      parent_span_id: byName.get('search-tool')!.span_id,
      request_id: requestId,
      // The model the provider answered with.
      model: servedModel,
      status: 'ok',
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.response.model': servedModel,
        'gen_ai.provider.name': 'openai',
      },
    });
    expect(byName.get('llm-call')!.usage!.input_tokens).toBeGreaterThan(0);
    expect(byName.get('llm-call')!.cost_usd).toBeGreaterThanOrEqual(0);
    expect(byName.get('post-process')!.parent_span_id).toBe(gatewaySpanId);
    expect(byName.get('judge')).toMatchObject({
      model: 'judge-model',
      usage: { input_tokens: 40, output_tokens: 2 },
      status: 'error',
      status_message: 'judge refused',
    });

    const listed = await get(`/v1/traces?session_id=${session}`, keys.a);
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ object: 'list', has_more: false, next_cursor: null });
    expect(listed.body.data).toEqual([expect.objectContaining({ id: traceId, session_id: session, user: 'dana', name: 'agent', span_count: 6 })]);
    expect(listed.body.data[0]).not.toHaveProperty('spans');

    // Another workspace neither reads nor lists it; a viewer of the same workspace reads it.
    expect((await get(`/v1/traces/${traceId}`, keys.b)).body).toMatchObject({ error: { code: 'trace_not_found' } });
    expect((await get(`/v1/traces/${traceId}`, keys.b)).status).toBe(404);
    expect((await get(`/v1/traces?session_id=${session}`, keys.b)).body.data).toEqual([]);
    expect((await get(`/v1/traces/${traceId}`, keys.viewerA)).status).toBe(200);
  });

  it('lists by user and pages with a cursor, newest first', async () => {
    const { tracer, provider } = tracerOf('protobuf', keys.a);
    const user = `user-${run}`;
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) {
      const span = tracer.startSpan(`step-${index}`, { attributes: { 'user.id': user } });
      span.end();
      ids.push(span.spanContext().traceId);
    }
    await provider.forceFlush();
    const all = await waitFor(
      () => get(`/v1/traces?user=${user}`, keys.a),
      ({ body }) => body.data?.length === 3,
      { timeoutMs: 30_000, what: `the three traces of ${user}` },
    );
    expect(all.body.data.map((summary: { id: string }) => summary.id).sort()).toEqual([...ids].sort());
    const first = await get(`/v1/traces?user=${user}&limit=2`, keys.a);
    expect(first.body).toMatchObject({ has_more: true });
    const second = await get(`/v1/traces?user=${user}&limit=2&after=${first.body.next_cursor}`, keys.a);
    expect(second.body).toMatchObject({ has_more: false, next_cursor: null });
    expect([...first.body.data, ...second.body.data].map((summary: { id: string }) => summary.id)).toEqual(
      all.body.data.map((summary: { id: string }) => summary.id),
    );
  });

  it('answers partial success for spans without valid ids, in the encoding sent, and refuses what is not OTLP', async () => {
    const traceId = randomBytes(16).toString('hex');
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'raw-json' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId,
                  spanId: randomBytes(8).toString('hex'),
                  name: 'kept',
                  startTimeUnixNano: '1700000000000000000',
                  endTimeUnixNano: '1700000001000000000',
                },
                { traceId: '0'.repeat(32), spanId: randomBytes(8).toString('hex'), name: 'no-trace-id' },
                { traceId, spanId: 'not-hex', name: 'bad-span-id' },
              ],
            },
          ],
        },
      ],
    };
    const headers = { authorization: `Bearer ${keys.a}`, 'content-type': 'application/json', 'content-encoding': 'gzip' };
    const response = await fetch(`${root}/v1/traces`, { method: 'POST', headers, body: gzipSync(JSON.stringify(body)) });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(answer.partialSuccess.rejectedSpans).toBe('2');
    expect(answer.partialSuccess.errorMessage).toMatch(/traceId/);
    const stored = await traceWith(traceId, 1);
    expect(stored.body.spans).toEqual([expect.objectContaining({ name: 'kept', service_name: 'raw-json', duration_ms: 1000 })]);

    const garbage = await fetch(`${root}/v1/traces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.a}`, 'content-type': 'application/x-protobuf' },
      body: Buffer.from([0x0a, 0xff, 0xff, 0xff]),
    });
    expect(garbage.status).toBe(400);
    expect(garbage.headers.get('content-type')).toBe('application/x-protobuf');
    // google.rpc.Status: field 1 (code) = 3, INVALID_ARGUMENT.
    expect([...new Uint8Array(await garbage.arrayBuffer()).subarray(0, 2)]).toEqual([0x08, 0x03]);

    const text = await fetch(`${root}/v1/traces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.a}`, 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(text.status).toBe(415);
    expect(await text.json()).toMatchObject({ error: { code: 'unsupported_media_type', param: 'content-type' } });

    const viewer = await fetch(`${root}/v1/traces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.viewerA}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(viewer.status).toBe(403);
    expect((await fetch(`${root}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    expect((await get('/v1/traces/not-a-trace-id', keys.a)).body).toMatchObject({ error: { param: 'id' } });
  });
});
