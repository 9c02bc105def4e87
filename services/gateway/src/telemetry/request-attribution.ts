import type { IncomingHttpHeaders } from 'node:http';
import { randomBytes } from 'node:crypto';
import { ANONYMOUS_PRINCIPAL, DEFAULT_REQUEST_LIMITS, invalidRequest, type Principal, type RequestLimits } from '@switchyard/shared';

/** Who a request is for, and what the client tagged it with: read from headers, validated. */
export interface RequestAttribution {
  workspace: string;
  keyId: string;
  sessionId: string;
  traceId: string;
  /** This request's own span (16 hex digits), made here. */
  spanId: string;
  /** The caller's span, '' at a trace's root. */
  parentSpanId: string;
  spanName: string;
  /** `x-switchyard-user-id`; the body's `user` wins when both are given. */
  userId: string;
  tags: string[];
  /** ISO 3166-1 alpha-2, upper case; '' when unknown. */
  country: string;
  metadata: Record<string, string>;
}

export const ATTRIBUTION_HEADERS = {
  workspace: 'x-switchyard-workspace',
  session: 'x-switchyard-session-id',
  metadata: 'x-switchyard-metadata',
  traceparent: 'traceparent',
  traceId: 'x-switchyard-trace-id',
  parentSpanId: 'x-switchyard-parent-span-id',
  spanName: 'x-switchyard-span-name',
  userId: 'x-switchyard-user-id',
  tags: 'x-switchyard-tags',
} as const;

/** Tags one request may carry at most. */
export const MAX_TAGS = 32;

export const DEFAULT_WORKSPACE = 'default';

const NAME = /^[\w.:@-]{1,128}$/;
const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-[\da-f]{2}$/;
const TRACE_ID = /^[\da-f]{32}$/;
const SPAN_ID = /^[\da-f]{16}$/;
const ALL_ZERO = /^0+$/;
/** Printable, no control characters: a span name is shown in trace views. */
const SPAN_NAME = /^[^\p{Cc}]{1,256}$/u;
const SWITCHYARD_HEADER_PREFIX = 'x-switchyard-';

/**
 * Reads the attribution headers. A malformed header is the client's error
 * (400 naming the header), never silently dropped: analytics keyed on a tag
 * the gateway ignored would be wrong without anyone noticing.
 *
 * The principal decides the workspace and the key: `x-switchyard-workspace`
 * is read only once the request listener has checked that the principal may
 * act for it; without the header the request is the principal's workspace.
 */
export function readAttribution(
  headers: IncomingHttpHeaders,
  limits: RequestLimits = DEFAULT_REQUEST_LIMITS,
  principal: Principal = ANONYMOUS_PRINCIPAL,
): RequestAttribution {
  checkSwitchyardHeaderLengths(headers, limits.headerValueMaxLength);
  const workspace = single(headers, ATTRIBUTION_HEADERS.workspace);
  if (workspace !== undefined && !NAME.test(workspace)) {
    throw invalidRequest(`${ATTRIBUTION_HEADERS.workspace} must be 1-128 letters, digits or . : @ _ -.`, ATTRIBUTION_HEADERS.workspace);
  }
  const sessionId = single(headers, ATTRIBUTION_HEADERS.session);
  if (sessionId !== undefined && !NAME.test(sessionId)) {
    throw invalidRequest(`${ATTRIBUTION_HEADERS.session} must be 1-128 letters, digits or . : @ _ -.`, ATTRIBUTION_HEADERS.session);
  }
  // W3C: an invalid traceparent is ignored, not refused; the request starts a new trace.
  const traceparent = single(headers, ATTRIBUTION_HEADERS.traceparent)?.match(TRACEPARENT);
  const validTraceparent = traceparent && !ALL_ZERO.test(traceparent[1]) && !ALL_ZERO.test(traceparent[2]) ? traceparent : undefined;
  const traceId = lowerHex(headers, ATTRIBUTION_HEADERS.traceId, TRACE_ID, '32');
  const parentSpanId = lowerHex(headers, ATTRIBUTION_HEADERS.parentSpanId, SPAN_ID, '16');
  const spanName = single(headers, ATTRIBUTION_HEADERS.spanName);
  if (spanName !== undefined && !SPAN_NAME.test(spanName)) {
    throw invalidRequest(`${ATTRIBUTION_HEADERS.spanName} must be 1-256 characters without control characters.`, ATTRIBUTION_HEADERS.spanName);
  }
  const userId = single(headers, ATTRIBUTION_HEADERS.userId);
  if (userId !== undefined && !NAME.test(userId)) {
    throw invalidRequest(`${ATTRIBUTION_HEADERS.userId} must be 1-128 letters, digits or . : @ _ -.`, ATTRIBUTION_HEADERS.userId);
  }
  return {
    workspace: workspace ?? principal.workspace,
    keyId: principal.keyId,
    sessionId: sessionId ?? '',
    traceId: traceId ?? validTraceparent?.[1] ?? randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    parentSpanId: parentSpanId ?? validTraceparent?.[2] ?? '',
    spanName: spanName ?? '',
    userId: userId ?? '',
    tags: readTags(single(headers, ATTRIBUTION_HEADERS.tags)),
    country: '',
    metadata: readMetadata(single(headers, ATTRIBUTION_HEADERS.metadata), limits),
  };
}

/** A hex id header, lower-cased; refused when malformed or all zeros (W3C's invalid id). */
function lowerHex(headers: IncomingHttpHeaders, name: string, pattern: RegExp, digits: string): string | undefined {
  const value = single(headers, name)?.toLowerCase();
  if (value === undefined) return undefined;
  if (!pattern.test(value) || ALL_ZERO.test(value)) throw invalidRequest(`${name} must be ${digits} hex digits, not all zero.`, name);
  return value;
}

/** `a, b,c` → [a, b, c]; each tag a name; repeats dropped. */
function readTags(text: string | undefined): string[] {
  if (text === undefined) return [];
  const name = ATTRIBUTION_HEADERS.tags;
  const tags = [...new Set(text.split(',').map((tag) => tag.trim()))];
  if (tags.length > MAX_TAGS) throw invalidRequest(`${name} may hold at most ${MAX_TAGS} tags.`, name, 'array_above_max_length');
  for (const tag of tags) {
    if (!NAME.test(tag)) throw invalidRequest(`${name} must be comma-separated tags of 1-128 letters, digits or . : @ _ -.`, name);
  }
  return tags;
}

/** Every `x-switchyard-*` header, known or not, is bounded: none is ever copied anywhere unbounded. */
function checkSwitchyardHeaderLengths(headers: IncomingHttpHeaders, maxLength: number): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith(SWITCHYARD_HEADER_PREFIX) || value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    if (values.some((text) => text.length > maxLength)) {
      throw invalidRequest(`${name} is longer than ${maxLength} characters.`, name, 'string_above_max_length');
    }
  }
}

function readMetadata(text: string | undefined, limits: RequestLimits): Record<string, string> {
  if (text === undefined) return {};
  const param = ATTRIBUTION_HEADERS.metadata;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidRequest(`${param} must be a JSON object of strings, e.g. {"feature":"search"}.`, param);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidRequest(`${param} must be a JSON object of strings, e.g. {"feature":"search"}.`, param);
  }
  const entries = Object.entries(parsed);
  if (entries.length > limits.metadataMaxKeys) {
    throw invalidRequest(`${param} may hold at most ${limits.metadataMaxKeys} keys.`, param, 'object_above_max_properties');
  }
  for (const [key, value] of entries) {
    if (key.length > limits.metadataKeyMaxLength) {
      throw invalidRequest(`${param}: a key is longer than ${limits.metadataKeyMaxLength} characters.`, param, 'string_above_max_length');
    }
    if (typeof value !== 'string') throw invalidRequest(`${param}: the value of "${key}" must be a string.`, param);
    if (value.length > limits.metadataValueMaxLength) {
      throw invalidRequest(
        `${param}: the value of "${key}" is longer than ${limits.metadataValueMaxLength} characters.`,
        param,
        'string_above_max_length',
      );
    }
  }
  return parsed as Record<string, string>;
}

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
