import { create } from '@bufbuild/protobuf';
import { eventsV1, otlpTraceCollectorV1 } from '@switchyard/proto';
import { convertOtlpSpans } from './otlp-spans';

const TRACE = Buffer.from('4bf92f3577b34da6a3ce929d0e0e4736', 'hex');
const SPAN = Buffer.from('00f067aa0ba902b7', 'hex');
const PARENT = Buffer.from('53995c3f42cd8ad8', 'hex');
const LIMITS = { maxAttributeBytesPerSpan: 4_096 };

/** An export as the OTLP SDKs build it, with the given spans under one resource. */
function exportOf(spans: object[], service = 'agent-app') {
  return create(otlpTraceCollectorV1.ExportTraceServiceRequestSchema, {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { value: { case: 'stringValue', value: service } } }] },
        scopeSpans: [{ spans }],
      },
    ],
  });
}

const at = (seconds: number) => BigInt(seconds) * 1_000_000_000n;

describe('OTLP spans as Switchyard spans', () => {
  it('keeps ids as hex, times, status, every attribute type, and the resource name', () => {
    const { spans, rejected } = convertOtlpSpans(
      exportOf([
        {
          traceId: TRACE,
          spanId: SPAN,
          parentSpanId: PARENT,
          name: 'tool',
          startTimeUnixNano: at(1_700_000_000) + 250_000_000n,
          endTimeUnixNano: at(1_700_000_001),
          status: { code: 2, message: 'tool failed' },
          attributes: [
            { key: 'text', value: { value: { case: 'stringValue', value: 'a\u0000b\uD800' } } },
            { key: 'flag', value: { value: { case: 'boolValue', value: true } } },
            { key: 'count', value: { value: { case: 'intValue', value: 42n } } },
            { key: 'huge', value: { value: { case: 'intValue', value: 2n ** 62n } } },
            { key: 'ratio', value: { value: { case: 'doubleValue', value: 0.5 } } },
            { key: 'list', value: { value: { case: 'arrayValue', value: { values: [{ value: { case: 'stringValue', value: 'x' } }] } } } },
            {
              key: 'map',
              value: { value: { case: 'kvlistValue', value: { values: [{ key: 'inner', value: { value: { case: 'intValue', value: 1n } } }] } } },
            },
            { key: 'bytes', value: { value: { case: 'bytesValue', value: new Uint8Array([1, 2]) } } },
            { key: 'session.id', value: { value: { case: 'stringValue', value: 'session-1' } } },
            { key: 'user.id', value: { value: { case: 'stringValue', value: 'dana' } } },
          ],
        },
      ]),
      LIMITS,
    );
    expect(rejected).toBe(0);
    expect(spans).toHaveLength(1);
    const [span] = spans;
    expect(span).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      parentSpanId: '53995c3f42cd8ad8',
      name: 'tool',
      kind: eventsV1.SpanKind.SPAN,
      status: eventsV1.SpanStatus.ERROR,
      statusMessage: 'tool failed',
      serviceName: 'agent-app',
      sessionId: 'session-1',
      user: 'dana',
      startedAt: { seconds: 1_700_000_000n, nanos: 250_000_000 },
      endedAt: { seconds: 1_700_000_001n, nanos: 0 },
    });
    expect(span.tokens).toBeUndefined();
    // NUL and a lone surrogate cannot be stored: dropped and replaced; an integer past 2^53 is kept exactly, as text.
    expect(JSON.parse(span.attributesJson)).toEqual({
      text: 'ab\uFFFD',
      flag: true,
      count: 42,
      huge: '4611686018427387904',
      ratio: 0.5,
      list: ['x'],
      map: { inner: 1 },
      bytes: 'AQI=',
      'session.id': 'session-1',
      'user.id': 'dana',
    });
  });

  it('makes a GenAI chat span a generation with its model and tokens, and each span event an event span under it', () => {
    const request = exportOf([
      {
        traceId: TRACE,
        spanId: SPAN,
        name: 'chat gpt-4o',
        startTimeUnixNano: at(10),
        endTimeUnixNano: at(12),
        attributes: [
          { key: 'gen_ai.operation.name', value: { value: { case: 'stringValue', value: 'chat' } } },
          { key: 'gen_ai.request.model', value: { value: { case: 'stringValue', value: 'gpt-4o' } } },
          { key: 'gen_ai.response.model', value: { value: { case: 'stringValue', value: 'gpt-4o-2024-08-06' } } },
          { key: 'gen_ai.usage.input_tokens', value: { value: { case: 'intValue', value: 30n } } },
          { key: 'gen_ai.usage.output_tokens', value: { value: { case: 'intValue', value: 7n } } },
        ],
        events: [{ name: 'first-token', timeUnixNano: at(11), attributes: [{ key: 'index', value: { value: { case: 'intValue', value: 0n } } }] }],
      },
    ]);
    const first = convertOtlpSpans(request, LIMITS).spans;
    expect(first.map((span) => [span.name, span.kind, span.parentSpanId])).toEqual([
      ['chat gpt-4o', eventsV1.SpanKind.GENERATION, ''],
      ['first-token', eventsV1.SpanKind.EVENT, '00f067aa0ba902b7'],
    ]);
    expect(first[0]).toMatchObject({ model: 'gpt-4o-2024-08-06', tokens: { input: 30, output: 7 } });
    expect(first[1]).toMatchObject({ startedAt: { seconds: 11n }, endedAt: { seconds: 11n }, attributesJson: '{"index":0}' });
    expect(first[1].spanId).toMatch(/^[\da-f]{16}$/);
    // The same export sent again (an exporter's retry) gives the event the same id: it is stored once.
    expect(convertOtlpSpans(request, LIMITS).spans[1].spanId).toBe(first[1].spanId);
  });

  it('rejects spans without valid ids or with attributes over the limit, counting them and saying why', () => {
    const big = 'x'.repeat(LIMITS.maxAttributeBytesPerSpan);
    const { spans, rejected, rejection } = convertOtlpSpans(
      exportOf([
        { traceId: new Uint8Array(16), spanId: SPAN, name: 'zero trace id' },
        { traceId: TRACE, spanId: SPAN.subarray(0, 4), name: 'short span id' },
        { traceId: TRACE, spanId: SPAN, name: 'too big', attributes: [{ key: 'payload', value: { value: { case: 'stringValue', value: big } } }] },
        { traceId: TRACE, spanId: SPAN, parentSpanId: new Uint8Array(8), name: 'kept, a root', startTimeUnixNano: at(5), endTimeUnixNano: at(4) },
      ]),
      LIMITS,
    );
    expect(rejected).toBe(3);
    expect(rejection).toMatch(/traceId/);
    expect(spans.map((span) => [span.name, span.parentSpanId])).toEqual([['kept, a root', '']]);
    // An end before the start is taken as the start.
    expect(spans[0].endedAt).toEqual(spans[0].startedAt);
  });
});
