import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, JAEGER_OTLP_URL, JAEGER_QUERY_URL, requireJaeger } from '../support/infrastructure';
import { DEFAULT_FIXTURES, startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { startOtlpMetricsReceiver, type OtlpMetricsReceiver, type ReceivedMetric } from '../support/otlp-metrics-receiver';
import { startSwitchyardProcess, stopProcess, waitUntilReady, type SwitchyardProcess } from '../support/switchyard-process';
import { waitFor } from '../support/wait-for';

/**
 * `switchyard` run as a user runs it (one process, records in memory) with
 * OpenTelemetry export on, over a real mock upstream: its spans arrive in a
 * real Jaeger (scripts/services.sh up jaeger) with the GenAI attributes,
 * nested request → attempts under the caller's span and with the recorded
 * ids, and its metrics arrive, as OTLP protobuf, at a receiver that decodes
 * them. (A child process: the exporter's transport loads `node:http` with a
 * dynamic import, which jest's module registry cannot run.)
 */

const EXPORT_DEADLINE_MS = 30_000;
jest.setTimeout(120_000);

/** A recorded request as `GET /v1/requests/{id}` shows it (the fields read here). */
interface RequestRecord {
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  usage: { input_tokens: number; output_tokens: number };
}

interface JaegerTag {
  key: string;
  type: string;
  value: string | number | boolean;
}
interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: string; traceID: string; spanID: string }[];
  startTime: number;
  duration: number;
  tags: JaegerTag[];
  processID: string;
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

/** One trace from Jaeger's query API, once it holds `spans` spans. */
async function jaegerTrace(traceId: string, spans: number): Promise<JaegerTrace> {
  return waitFor(
    async () => {
      const response = await fetch(`${JAEGER_QUERY_URL}/api/traces/${traceId}`);
      if (response.status === 404) return undefined;
      const body = (await response.json()) as { data: JaegerTrace[] };
      return body.data?.[0];
    },
    (trace) => trace !== undefined && trace.spans.length >= spans,
    { timeoutMs: EXPORT_DEADLINE_MS, what: `${spans} spans of trace ${traceId} in Jaeger`, intervalMs: 200 },
  ) as Promise<JaegerTrace>;
}

function tags(span: JaegerSpan): Record<string, JaegerTag['value']> {
  return Object.fromEntries(span.tags.map((tag) => [tag.key, tag.value]));
}

function parentOf(span: JaegerSpan): string | undefined {
  return span.references.find((reference) => reference.refType === 'CHILD_OF')?.spanID;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

describe('OpenTelemetry export', () => {
  let upstream: MockOpenAIUpstream;
  let metrics: OtlpMetricsReceiver;
  let switchyard: SwitchyardProcess;
  let origin = '';
  const children: ChildProcess[] = [];
  const directory = mkdtempSync(path.join(tmpdir(), 'switchyard-otel-'));
  const serviceName = `switchyard-test-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    await requireJaeger();
    upstream = await startMockOpenAIUpstream();
    metrics = await startOtlpMetricsReceiver();
    const config = {
      providers: {
        primary: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['gpt-4o-mini'] },
        backup: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['gpt-4o-mini'] },
      },
      routes: {
        smart: {
          strategy: 'fallback',
          targets: [
            { provider: 'primary', model: 'gpt-4o-mini' },
            { provider: 'backup', model: 'gpt-4o-mini' },
          ],
        },
      },
      telemetry: {
        enabled: true,
        serviceName,
        otlp: {
          tracesEndpoint: `${JAEGER_OTLP_URL}/v1/traces`,
          metricsEndpoint: `${metrics.url}/v1/metrics`,
          headers: { 'x-switchyard-test': 'otel', authorization: 'Bearer ${SWITCHYARD_TEST_OTLP_TOKEN}' },
        },
        traces: { scheduledDelayMs: 100 },
        metrics: { exportIntervalMs: 250 },
      },
    };
    const configFile = path.join(directory, 'switchyard.yaml');
    // JSON is YAML.
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    switchyard = startSwitchyardProcess(children, {
      config: configFile,
      port,
      // At info, to see that the start of the export is logged without its headers.
      env: { SWITCHYARD_DATA_DIR: 'memory://', SWITCHYARD_TEST_OTLP_TOKEN: 'otlp-test-token', LOG_LEVEL: 'info' },
    });
    await waitUntilReady(`${origin}/readyz`, switchyard.output);
  });

  afterAll(async () => {
    await Promise.all(children.map((child) => stopProcess(child)));
    await metrics?.close();
    await upstream?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  afterEach(() => upstream.reset());

  async function recordOf(requestId: string): Promise<RequestRecord> {
    return (await waitFor(
      async () => {
        const response = await fetch(`${origin}/v1/requests/${requestId}`);
        return response.status === 200 ? ((await response.json()) as RequestRecord) : undefined;
      },
      (record) => record !== undefined,
      { timeoutMs: EXPORT_DEADLINE_MS, what: `the record of ${requestId}` },
    ))!;
  }

  async function chat(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'Say hello' }], ...body }),
    });
  }

  it('sends a span per request, under the caller span, with a child per attempt and the GenAI attributes', async () => {
    const traceId = hex(16);
    const callerSpanId = hex(8);
    // The first deployment fails with a 500: the route falls back to the second.
    upstream.enqueue({
      kind: 'error',
      status: 500,
      body: { error: { message: 'The server had an error', type: 'server_error', param: null, code: null } },
    });
    const response = await chat(
      { model: 'smart' },
      { traceparent: `00-${traceId}-${callerSpanId}-01`, 'x-request-id': 'otel-fallback', 'x-switchyard-session-id': 'chat-7' },
    );
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { model: string; usage: { prompt_tokens: number; completion_tokens: number } };

    const trace = await jaegerTrace(traceId, 3);
    expect(trace.processes[trace.spans[0].processID].serviceName).toBe(serviceName);
    const record = await recordOf('otel-fallback');
    expect(record).toMatchObject({ trace_id: traceId, parent_span_id: callerSpanId });
    const request = trace.spans.find((span) => parentOf(span) === callerSpanId)!;
    // The request span is the recorded one: same trace, same span id.
    expect(request.spanID).toBe(record.span_id);
    expect(request.operationName).toBe('chat smart');
    expect(tags(request)).toMatchObject({
      'span.kind': 'server',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'smart',
      'gen_ai.provider.name': 'openai',
      'gen_ai.response.model': answer.model,
      'gen_ai.usage.input_tokens': answer.usage.prompt_tokens,
      'gen_ai.usage.output_tokens': answer.usage.completion_tokens,
      'gen_ai.conversation.id': 'chat-7',
      'switchyard.request_id': 'otel-fallback',
      'switchyard.attempts': 2,
      'http.response.status_code': 200,
    });
    expect(String(tags(request)['gen_ai.response.finish_reasons'])).toContain('stop');

    const attempts = trace.spans.filter((span) => parentOf(span) === request.spanID).sort((a, b) => a.startTime - b.startTime);
    expect(attempts.map((span) => tags(span)['switchyard.deployment'])).toEqual(['primary/gpt-4o-mini', 'backup/gpt-4o-mini']);
    const port = Number(new URL(upstream.baseUrl).port);
    expect(tags(attempts[0])).toMatchObject({
      'span.kind': 'client',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'server.address': '127.0.0.1',
      'server.port': port,
      'error.type': 'server_error',
      'otel.status_code': 'ERROR',
      // The upstream's 500 as the client would have had it.
      'switchyard.attempt.http_status': 502,
    });
    expect(tags(attempts[1])).toMatchObject({
      'span.kind': 'client',
      'server.address': '127.0.0.1',
      'gen_ai.response.model': answer.model,
      'gen_ai.usage.input_tokens': answer.usage.prompt_tokens,
      'switchyard.attempt.outcome': 'succeeded',
    });
    expect(tags(attempts[1])['error.type']).toBeUndefined();
    // Children lie within their parent.
    for (const attempt of attempts) {
      expect(attempt.startTime).toBeGreaterThanOrEqual(request.startTime);
      expect(attempt.startTime + attempt.duration).toBeLessThanOrEqual(request.startTime + request.duration);
    }
  });

  it('exports a streamed request with its usage, and starts a trace of its own without a caller', async () => {
    upstream.enqueue({ kind: 'stream-fixture', file: DEFAULT_FIXTURES.stream });
    const response = await chat(
      { model: 'primary/gpt-4o-mini', stream: true, stream_options: { include_usage: true } },
      { 'x-request-id': 'otel-stream', 'x-switchyard-span-name': 'draft reply' },
    );
    expect(response.status).toBe(200);
    await response.text();
    const record = await recordOf('otel-stream');
    const trace = await jaegerTrace(record.trace_id, 2);
    const request = trace.spans.find((span) => span.spanID === record.span_id)!;
    expect(parentOf(request)).toBeUndefined();
    expect(request.operationName).toBe('draft reply');
    expect(tags(request)).toMatchObject({
      'switchyard.streamed': true,
      'gen_ai.usage.input_tokens': record.usage.input_tokens,
      'gen_ai.usage.output_tokens': record.usage.output_tokens,
    });
    expect(Number(tags(request)['switchyard.time_to_first_token_ms'])).toBeGreaterThan(0);
    const [attempt] = trace.spans.filter((span) => parentOf(span) === request.spanID);
    expect(tags(attempt)).toMatchObject({ 'span.kind': 'client', 'gen_ai.provider.name': 'openai', 'switchyard.attempt.outcome': 'succeeded' });
  });

  it('exports the GenAI metrics as OTLP protobuf, with the configured headers', async () => {
    // A fallback (its first attempt fails) and a stream (its time to first token).
    upstream.enqueue({
      kind: 'error',
      status: 500,
      body: { error: { message: 'The server had an error', type: 'server_error', param: null, code: null } },
    });
    expect((await chat({ model: 'smart' }, { 'x-request-id': 'otel-metrics-fallback' })).status).toBe(200);
    upstream.enqueue({ kind: 'stream-fixture', file: DEFAULT_FIXTURES.stream });
    const streamed = await chat({ model: 'primary/gpt-4o-mini', stream: true }, { 'x-request-id': 'otel-metrics-stream' });
    expect(streamed.status).toBe(200);
    await streamed.text();
    const named = (name: string) => (metric: ReceivedMetric) => metric.name === name && metric.resource['service.name'] === serviceName;
    // Cumulative histograms: the latest export holds every request so far.
    const latest = (name: string) => metrics.metrics.filter(named(name)).at(-1);
    await waitFor(
      () =>
        latest('gen_ai.client.token.usage')?.dataPoints.some((point) => point.attributes['gen_ai.token.type'] === 'output') === true &&
        latest('gen_ai.client.operation.duration')?.dataPoints.some((point) => point.attributes['error.type'] === 'server_error') === true &&
        latest('gen_ai.server.time_to_first_token') !== undefined,
      (seen) => seen,
      { timeoutMs: EXPORT_DEADLINE_MS, what: 'the GenAI metrics of both requests at the metrics receiver' },
    );
    const tokens = latest('gen_ai.client.token.usage')!;
    expect(tokens).toMatchObject({ kind: 'histogram', unit: '{token}', scope: 'switchyard-gateway' });
    const input = tokens.dataPoints.find(
      (point) => point.attributes['gen_ai.token.type'] === 'input' && point.attributes['gen_ai.request.model'] === 'gpt-4o-mini',
    );
    expect(input?.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'server.address': '127.0.0.1' });
    expect(input?.count).toBeGreaterThanOrEqual(1);
    expect(input?.sum).toBeGreaterThan(0);

    const durations = latest('gen_ai.client.operation.duration')!;
    expect(durations.unit).toBe('s');
    // The failed first attempt of the fallback is there with its error type.
    expect(durations.dataPoints.some((point) => point.attributes['error.type'] === 'server_error')).toBe(true);
    const served = latest('gen_ai.server.request.duration')!;
    expect(served.dataPoints.find((point) => point.attributes['gen_ai.request.model'] === 'smart')?.count).toBeGreaterThanOrEqual(1);
    const firstToken = latest('gen_ai.server.time_to_first_token');
    expect(firstToken?.dataPoints.some((point) => point.attributes['gen_ai.request.model'] === 'primary/gpt-4o-mini')).toBe(true);
    // Low-cardinality attributes only.
    for (const metric of [tokens, durations, served]) {
      for (const point of metric.dataPoints) expect(Object.keys(point.attributes)).not.toContain('switchyard.request_id');
    }
    expect(metrics.exports.at(-1)?.headers).toMatchObject({ 'x-switchyard-test': 'otel', authorization: 'Bearer otlp-test-token' });
    // The backend's credential went to the backend only: never into the log.
    expect(switchyard.output()).toContain('otel-export-started');
    expect(switchyard.output()).not.toContain('otlp-test-token');
  });
});
