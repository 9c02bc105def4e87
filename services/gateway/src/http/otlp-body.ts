import type { IncomingMessage } from 'node:http';
import { gunzip } from 'node:zlib';
import { fromBinary, fromJson, type JsonValue } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { otlpTraceCollectorV1 } from '@switchyard/proto';
import { GatewayError, invalidRequest } from '@switchyard/shared';
import { readBoundedBody } from './read-json-body';

export type ExportTraceServiceRequest = otlpTraceCollectorV1.ExportTraceServiceRequest;

/** OTLP/HTTP's two encodings, named by their Content-Type. */
export type OtlpEncoding = 'protobuf' | 'json';

const PROTOBUF_MEDIA_TYPE = /^application\/x-protobuf\s*(;|$)/i;
const JSON_MEDIA_TYPE = /^application\/json\s*(;|$)/i;

/** Undefined for any other Content-Type. */
export function otlpEncodingOf(contentType: string | undefined): OtlpEncoding | undefined {
  if (contentType === undefined) return undefined;
  if (PROTOBUF_MEDIA_TYPE.test(contentType)) return 'protobuf';
  if (JSON_MEDIA_TYPE.test(contentType)) return 'json';
  return undefined;
}

export interface OtlpBodyLimits {
  /** Bytes on the wire (`server.bodyLimitBytes`). */
  limitBytes: number;
  /** Bytes once gunzipped (`traces.ingestion.maxDecompressedBytes`). */
  maxDecompressedBytes: number;
  /** The whole body must arrive within this long (408 after). */
  timeoutMs: number;
}

/**
 * Reads an OTLP/HTTP body: identity or gzip (`Content-Encoding`, as the
 * exporters send with compression on), bounded on the wire and once
 * decompressed (413), and within `timeoutMs` (408).
 */
export async function readOtlpBody(request: IncomingMessage, limits: OtlpBodyLimits): Promise<Buffer> {
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') {
    request.resume();
    throw new GatewayError(`Unsupported Content-Encoding "${encoding}": send the body as gzip or uncompressed.`, {
      status: 415,
      errorClass: 'invalid_request',
      param: 'content-encoding',
      code: 'unsupported_encoding',
    });
  }
  const body = await readBoundedBody(request, { limitBytes: limits.limitBytes, timeoutMs: limits.timeoutMs, tooLarge });
  if (encoding === 'identity') {
    if (body.length > limits.maxDecompressedBytes) throw tooLarge(limits.maxDecompressedBytes);
    return body;
  }
  return new Promise((resolve, reject) => {
    // maxOutputLength stops inflating at the limit: a small body cannot expand into gigabytes.
    gunzip(body, { maxOutputLength: limits.maxDecompressedBytes }, (error, inflated) => {
      if (!error) resolve(inflated);
      else if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') reject(tooLarge(limits.maxDecompressedBytes));
      else reject(invalidRequest('The body is not valid gzip.', 'content-encoding', 'invalid_body'));
    });
  });
}

/** Decodes the body in its encoding; 400 naming the body when it is not an OTLP trace export. */
export function decodeOtlpRequest(body: Buffer, encoding: OtlpEncoding): ExportTraceServiceRequest {
  const schema = otlpTraceCollectorV1.ExportTraceServiceRequestSchema;
  if (encoding === 'protobuf') {
    try {
      return fromBinary(schema, body);
    } catch (error) {
      throw invalidRequest(`The body is not an OTLP ExportTraceServiceRequest: ${(error as Error).message}`, 'body', 'invalid_body');
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalidRequest('The body is not valid JSON.', 'body', 'invalid_json');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalidRequest('The body must be a JSON object with resourceSpans.', 'body', 'invalid_body');
  }
  try {
    return fromJson(schema, hexIdsAsBase64(json as Record<string, unknown>) as JsonValue, { ignoreUnknownFields: true });
  } catch (error) {
    throw invalidRequest(`The body is not an OTLP ExportTraceServiceRequest: ${(error as Error).message}`, 'body', 'invalid_body');
  }
}

const ID_FIELDS = ['traceId', 'spanId', 'parentSpanId'] as const;
const HEX = /^(?:[\da-fA-F]{2})*$/;

/**
 * OTLP/JSON writes trace and span ids as hex, where protobuf's JSON mapping
 * of `bytes` is base64: they are turned into base64 before decoding. An id
 * that is not hex becomes empty, and its span is rejected as without an id.
 */
function hexIdsAsBase64(body: Record<string, unknown>): Record<string, unknown> {
  for (const resourceSpans of arrayOf(body.resourceSpans)) {
    for (const scopeSpans of arrayOf(resourceSpans.scopeSpans)) {
      for (const span of arrayOf(scopeSpans.spans)) {
        convertIds(span);
        for (const link of arrayOf(span.links)) convertIds(link);
      }
    }
  }
  return body;
}

function convertIds(item: Record<string, unknown>): void {
  for (const field of ID_FIELDS) {
    const value = item[field];
    if (typeof value === 'string') item[field] = HEX.test(value) ? Buffer.from(value, 'hex').toString('base64') : '';
  }
}

function arrayOf(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value) ? value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null) : [];
}

/**
 * `google.rpc.Status` in protobuf, the body OTLP/HTTP answers a failed
 * protobuf request with (`code` is the gRPC status code).
 */
export function encodeRpcStatus(code: number, message: string): Uint8Array {
  return new BinaryWriter().tag(1, WireType.Varint).int32(code).tag(2, WireType.LengthDelimited).string(message).finish();
}

function tooLarge(limitBytes: number): GatewayError {
  return new GatewayError(`The request body is larger than ${limitBytes} bytes: send fewer spans per request.`, {
    status: 413,
    errorClass: 'invalid_request',
    code: 'request_too_large',
  });
}
