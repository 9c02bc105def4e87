import { createHash } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { TimestampSchema, type Timestamp } from '@bufbuild/protobuf/wkt';
import { eventsV1, type otlpCommonV1, type otlpTraceCollectorV1, otlpTraceV1 } from '@switchyard/proto';
import { storableText } from '@switchyard/events';

type Span = eventsV1.Span;
type AnyValue = otlpCommonV1.AnyValue;
type KeyValue = otlpCommonV1.KeyValue;

export interface SpanLimits {
  /** A span whose attributes take more than this as JSON is rejected. */
  maxAttributeBytesPerSpan: number;
}

/** The spans of an OTLP export, and how many (with why) could not be taken. */
export interface ConvertedSpans {
  spans: Span[];
  rejected: number;
  /** Why the first rejected span was; '' when none was. */
  rejection: string;
}

/**
 * `gen_ai.operation.name` values that are model calls: such a span is a
 * generation (GenAI semantic conventions); any other is a plain span.
 */
const GENERATION_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content', 'embeddings']);

const ALL_ZERO = /^0+$/;
/** Names and ids are shown in trace views and stored: bounded. */
const MAX_NAME_LENGTH = 1_024;
const MAX_ID_LENGTH = 256;

/**
 * Turns an OTLP trace export into Switchyard spans: ids as lower-case hex,
 * times as timestamps, attributes as one JSON object (text made storable),
 * the kind from the GenAI conventions, session, user, model and token
 * counts from their attributes. Each OTLP span event becomes an `event`
 * span under its span. A span without a valid trace or span id, or with
 * attributes over the limit, is rejected and counted, as OTLP's partial
 * success reports.
 */
export function convertOtlpSpans(request: otlpTraceCollectorV1.ExportTraceServiceRequest, limits: SpanLimits): ConvertedSpans {
  const spans: Span[] = [];
  let rejected = 0;
  let rejection = '';
  const reject = (reason: string) => {
    rejected++;
    if (rejection === '') rejection = reason;
  };
  for (const resourceSpans of request.resourceSpans) {
    const resource = attributesOf(resourceSpans.resource?.attributes ?? []);
    const serviceName = typeof resource['service.name'] === 'string' ? bounded(resource['service.name'], MAX_NAME_LENGTH) : '';
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const otlpSpan of scopeSpans.spans) {
        const traceId = hexId(otlpSpan.traceId, 16);
        const spanId = hexId(otlpSpan.spanId, 8);
        if (traceId === undefined || spanId === undefined) {
          reject('a span needs a 16-byte traceId and an 8-byte spanId, not all zero');
          continue;
        }
        const attributes = attributesOf(otlpSpan.attributes);
        const attributesJson = JSON.stringify(attributes);
        if (attributesJson.length > limits.maxAttributeBytesPerSpan) {
          reject(`a span's attributes are larger than ${limits.maxAttributeBytesPerSpan} bytes`);
          continue;
        }
        const startedAt = timestampOf(otlpSpan.startTimeUnixNano);
        const endedAt = otlpSpan.endTimeUnixNano >= otlpSpan.startTimeUnixNano ? timestampOf(otlpSpan.endTimeUnixNano) : startedAt;
        const operation = attributes['gen_ai.operation.name'];
        const generation = typeof operation === 'string' && GENERATION_OPERATIONS.has(operation);
        const inputTokens = count(attributes['gen_ai.usage.input_tokens'] ?? attributes['gen_ai.usage.prompt_tokens']);
        const outputTokens = count(attributes['gen_ai.usage.output_tokens'] ?? attributes['gen_ai.usage.completion_tokens']);
        const sessionId = text(attributes['session.id'] ?? attributes['gen_ai.conversation.id'], MAX_ID_LENGTH);
        const user = text(attributes['user.id'] ?? attributes['enduser.id'], MAX_ID_LENGTH);
        spans.push(
          create(eventsV1.SpanSchema, {
            traceId,
            spanId,
            parentSpanId: hexId(otlpSpan.parentSpanId, 8) ?? '',
            name: bounded(otlpSpan.name, MAX_NAME_LENGTH),
            kind: generation ? eventsV1.SpanKind.GENERATION : eventsV1.SpanKind.SPAN,
            startedAt,
            endedAt,
            status: statusOf(otlpSpan.status?.code),
            statusMessage: bounded(otlpSpan.status?.message ?? '', MAX_NAME_LENGTH * 4),
            attributesJson,
            serviceName,
            sessionId,
            user,
            model: text(attributes['gen_ai.response.model'] ?? attributes['gen_ai.request.model'], MAX_NAME_LENGTH),
            tokens:
              inputTokens === undefined && outputTokens === undefined
                ? undefined
                : create(eventsV1.TokenCountsSchema, { input: inputTokens ?? 0, output: outputTokens ?? 0 }),
          }),
        );
        otlpSpan.events.forEach((event, index) => {
          const eventAttributes = JSON.stringify(attributesOf(event.attributes));
          if (eventAttributes.length > limits.maxAttributeBytesPerSpan) {
            reject(`an event's attributes are larger than ${limits.maxAttributeBytesPerSpan} bytes`);
            return;
          }
          const at = timestampOf(event.timeUnixNano);
          spans.push(
            create(eventsV1.SpanSchema, {
              traceId,
              spanId: eventSpanId(traceId, spanId, index),
              parentSpanId: spanId,
              name: bounded(event.name, MAX_NAME_LENGTH),
              kind: eventsV1.SpanKind.EVENT,
              startedAt: at,
              endedAt: at,
              attributesJson: eventAttributes,
              serviceName,
              sessionId,
              user,
            }),
          );
        });
      }
    }
  }
  return { spans, rejected, rejection };
}

/** Events have no id of their own: one derived from their span and place, the same every time it is sent. */
function eventSpanId(traceId: string, spanId: string, index: number): string {
  return createHash('sha256').update(`${traceId}:${spanId}:event:${index}`).digest('hex').slice(0, 16);
}

/** Lower-case hex of an id of exactly `bytes` bytes, not all zero; undefined otherwise. */
function hexId(id: Uint8Array, bytes: number): string | undefined {
  if (id.length !== bytes) return undefined;
  const hex = Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
  return ALL_ZERO.test(hex) ? undefined : hex;
}

const NANOS_PER_SECOND = 1_000_000_000n;

function timestampOf(unixNanos: bigint): Timestamp {
  return create(TimestampSchema, { seconds: unixNanos / NANOS_PER_SECOND, nanos: Number(unixNanos % NANOS_PER_SECOND) });
}

function statusOf(code: otlpTraceV1.Status_StatusCode | undefined): eventsV1.SpanStatus {
  if (code === otlpTraceV1.Status_StatusCode.OK) return eventsV1.SpanStatus.OK;
  if (code === otlpTraceV1.Status_StatusCode.ERROR) return eventsV1.SpanStatus.ERROR;
  return eventsV1.SpanStatus.UNSPECIFIED;
}

/** OTLP key-values as a plain object; a repeated key keeps its last value (as the OTLP spec leaves it to receivers). */
function attributesOf(keyValues: readonly KeyValue[]): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const { key, value } of keyValues) attributes[storableText(key)] = valueOf(value);
  return attributes;
}

/** An OTLP value as JSON: text made storable, 64-bit integers as numbers when exact (else as text), bytes as base64. */
function valueOf(value: AnyValue | undefined): unknown {
  const inner = value?.value;
  switch (inner?.case) {
    case 'stringValue':
      return storableText(inner.value);
    case 'boolValue':
    case 'doubleValue':
      return Number.isFinite(inner.value) || typeof inner.value === 'boolean' ? inner.value : String(inner.value);
    case 'intValue':
      return inner.value >= BigInt(Number.MIN_SAFE_INTEGER) && inner.value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(inner.value)
        : inner.value.toString();
    case 'arrayValue':
      return inner.value.values.map(valueOf);
    case 'kvlistValue':
      return attributesOf(inner.value.values);
    case 'bytesValue':
      return Buffer.from(inner.value).toString('base64');
    default:
      return null;
  }
}

/** A token count attribute: a whole number from 0 to 2^32-1, else undefined. */
function count(value: unknown): number | undefined {
  const number = typeof value === 'string' ? Number(value) : value;
  return typeof number === 'number' && Number.isInteger(number) && number >= 0 && number <= 0xffff_ffff ? number : undefined;
}

function text(value: unknown, maxLength: number): string {
  return typeof value === 'string' ? bounded(value, maxLength) : '';
}

function bounded(value: string, maxLength: number): string {
  return storableText(value.length > maxLength ? value.slice(0, maxLength) : value);
}
