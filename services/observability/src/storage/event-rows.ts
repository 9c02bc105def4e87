import { create } from '@bufbuild/protobuf';
import { TimestampSchema, type Timestamp } from '@bufbuild/protobuf/wkt';
import { eventsV1 } from '@switchyard/proto';
import { operationName, operationOf } from '@switchyard/shared';

/**
 * How events become rows and rows become events again. The tables are
 * described in migrations/0001_create_event_tables.sql; the conventions there
 * (times in microseconds, enums by name, NULL tokens for "not reported") are
 * implemented here and nowhere else.
 */

type RequestCompleted = eventsV1.RequestCompleted;
type TokenCounts = eventsV1.TokenCounts;

/** A column written by a set-based insert: one array parameter per column. */
export interface InsertColumn<Event> {
  name: string;
  /** Type of the array parameter's elements. */
  type: 'text' | 'timestamptz' | 'bigint' | 'double precision' | 'boolean';
  /** Cast applied to the unnested value, e.g. text to `jsonb`. */
  cast?: string;
  value(event: Event): string | number | boolean | null;
}

export const requestColumns: readonly InsertColumn<RequestCompleted>[] = [
  { name: 'event_id', type: 'text', value: (event) => storedText(event.eventId) },
  { name: 'occurred_at', type: 'timestamptz', value: (event) => timestampText(event.occurredAt) },
  { name: 'request_id', type: 'text', value: (event) => storedText(event.requestId) },
  { name: 'workspace', type: 'text', value: (event) => storedText(event.workspace) },
  { name: 'key_id', type: 'text', value: (event) => storedText(event.keyId) },
  { name: 'user_id', type: 'text', value: (event) => storedText(event.user) },
  { name: 'session_id', type: 'text', value: (event) => storedText(event.sessionId) },
  { name: 'trace_id', type: 'text', value: (event) => storedText(event.traceId) },
  { name: 'operation', type: 'text', value: (event) => operationName(event.operation) },
  { name: 'requested_model', type: 'text', value: (event) => storedText(event.requestedModel) },
  { name: 'served_model', type: 'text', value: (event) => storedText(event.servedModel) },
  { name: 'provider', type: 'text', value: (event) => storedText(event.provider) },
  { name: 'deployment', type: 'text', value: (event) => storedText(event.deployment) },
  { name: 'route_path', type: 'text', value: (event) => storedText(event.routePath) },
  { name: 'attempts', type: 'bigint', value: (event) => event.attempts },
  { name: 'status', type: 'text', value: (event) => enumName(eventsV1.RequestStatus, event.status) },
  { name: 'http_status', type: 'bigint', value: (event) => event.httpStatus },
  { name: 'error_class', type: 'text', value: (event) => storedText(event.errorClass) },
  { name: 'error_message', type: 'text', value: (event) => storedText(event.errorMessage) },
  { name: 'latency_ms', type: 'double precision', value: (event) => event.latencyMs },
  { name: 'time_to_first_token_ms', type: 'double precision', value: (event) => event.timeToFirstTokenMs },
  { name: 'streamed', type: 'boolean', value: (event) => event.streamed },
  ...tokenColumns<RequestCompleted>((event) => event.tokens),
  { name: 'cost_usd', type: 'double precision', value: (event) => event.costUsd },
  { name: 'cache_status', type: 'text', value: (event) => enumName(eventsV1.CacheStatus, event.cacheStatus) },
  { name: 'metadata', type: 'text', cast: 'jsonb', value: (event) => JSON.stringify(storedMap(event.metadata)) },
  { name: 'finish_reason', type: 'text', value: (event) => storedText(event.finishReason) },
  { name: 'usage_estimated', type: 'boolean', value: (event) => event.usageEstimated },
  { name: 'served_by', type: 'text', value: (event) => storedText(event.servedBy) },
  { name: 'served_by_detail', type: 'text', value: (event) => storedText(event.servedByDetail) },
  { name: 'annotations', type: 'text', cast: 'jsonb', value: (event) => JSON.stringify(storedMap(event.annotations)) },
  { name: 'span_id', type: 'text', value: (event) => storedText(event.spanId) },
  { name: 'parent_span_id', type: 'text', value: (event) => storedText(event.parentSpanId) },
  { name: 'span_name', type: 'text', value: (event) => storedText(event.spanName) },
  { name: 'tags', type: 'text', cast: 'jsonb', value: (event) => JSON.stringify(event.tags.map(storedText)) },
  { name: 'country', type: 'text', value: (event) => storedText(event.country) },
  { name: 'prompt_name', type: 'text', value: (event) => storedText(event.promptName) },
  { name: 'prompt_version', type: 'bigint', value: (event) => event.promptVersion },
  { name: 'input_cost_usd', type: 'double precision', value: (event) => event.inputCostUsd },
  { name: 'output_cost_usd', type: 'double precision', value: (event) => event.outputCostUsd },
  { name: 'price_source', type: 'text', value: (event) => storedText(event.priceSource) },
  { name: 'experiment_id', type: 'text', value: (event) => storedText(event.experimentId) },
  { name: 'experiment_arm', type: 'text', value: (event) => storedText(event.experimentArm) },
];

function tokenColumns<Event>(tokensOf: (event: Event) => TokenCounts | undefined): InsertColumn<Event>[] {
  const column = (name: string, count: (tokens: TokenCounts) => number): InsertColumn<Event> => ({
    name,
    type: 'bigint',
    value: (event) => {
      const tokens = tokensOf(event);
      return tokens === undefined ? null : count(tokens);
    },
  });
  return [
    column('input_tokens', (tokens) => tokens.input),
    column('output_tokens', (tokens) => tokens.output),
    column('cached_input_tokens', (tokens) => tokens.cachedInput),
    column('cache_write_tokens', (tokens) => tokens.cacheWrite),
    column('reasoning_tokens', (tokens) => tokens.reasoning),
  ];
}

/**
 * `INSERT INTO <table> (...) SELECT ... FROM unnest($1::<type>[], ...)`:
 * every column of the batch is one array parameter, so a batch of any size
 * is one statement. A row whose event_id is already stored is skipped.
 * `firstParameter` numbers the parameters from another place than `$1`, for
 * a statement that holds more than one insert.
 */
export function insertStatement<Event>(table: string, columns: readonly InsertColumn<Event>[], firstParameter = 1): string {
  const names = columns.map((column) => column.name).join(', ');
  const arrays = columns.map((column, index) => `$${index + firstParameter}::${column.type}[]`).join(', ');
  const values = columns.map((column) => (column.cast === undefined ? column.name : `${column.name}::${column.cast}`));
  return (
    `INSERT INTO ${table} (${names}) SELECT ${values.join(', ')} ` + `FROM unnest(${arrays}) AS batch(${names}) ON CONFLICT (event_id) DO NOTHING`
  );
}

/** The statement's parameters: one array per column, in column order. */
export function insertParameters<Event>(columns: readonly InsertColumn<Event>[], events: readonly Event[]): unknown[] {
  return columns.map((column) => events.map((event) => column.value(event)));
}

/** The columns a `RequestRecord` is read back from; `occurred_at` comes as exact microseconds. */
export const REQUEST_SELECT_LIST = [
  'event_id',
  `${microsExpression('occurred_at')} AS occurred_at_micros`,
  ...requestColumns.map((column) => column.name).filter((name) => name !== 'event_id' && name !== 'occurred_at'),
].join(', ');

/** SQL for the microseconds since the Unix epoch of a `timestamptz` column, as exact decimal text. */
export function microsExpression(column: string): string {
  return `(extract(epoch FROM ${column}) * 1000000)::bigint::text`;
}

/** A driver's integer: `pg` gives `bigint` as a string, PGlite as a number. */
type DriverInteger = string | number | bigint;

export interface RequestRow {
  event_id: string;
  occurred_at_micros: string;
  request_id: string;
  workspace: string;
  key_id: string;
  user_id: string;
  session_id: string;
  trace_id: string;
  operation: string;
  requested_model: string;
  served_model: string;
  provider: string;
  deployment: string;
  route_path: string;
  attempts: DriverInteger;
  status: string;
  http_status: DriverInteger;
  error_class: string;
  error_message: string;
  latency_ms: number;
  time_to_first_token_ms: number;
  streamed: boolean;
  input_tokens: DriverInteger | null;
  output_tokens: DriverInteger | null;
  cached_input_tokens: DriverInteger | null;
  cache_write_tokens: DriverInteger | null;
  reasoning_tokens: DriverInteger | null;
  cost_usd: number;
  cache_status: string;
  metadata: Record<string, string>;
  finish_reason: string;
  usage_estimated: boolean;
  served_by: string;
  served_by_detail: string;
  annotations: Record<string, string>;
  span_id: string;
  parent_span_id: string;
  span_name: string;
  tags: string[];
  country: string;
  prompt_name: string;
  prompt_version: DriverInteger;
  input_cost_usd: number;
  output_cost_usd: number;
  price_source: string;
  experiment_id: string;
  experiment_arm: string;
}

export function requestFromRow(row: RequestRow): RequestCompleted {
  return create(eventsV1.RequestCompletedSchema, {
    eventId: row.event_id,
    occurredAt: timestampFromMicros(BigInt(row.occurred_at_micros)),
    requestId: row.request_id,
    workspace: row.workspace,
    keyId: row.key_id,
    user: row.user_id,
    sessionId: row.session_id,
    traceId: row.trace_id,
    operation: operationOf(row.operation),
    requestedModel: row.requested_model,
    servedModel: row.served_model,
    provider: row.provider,
    deployment: row.deployment,
    routePath: row.route_path,
    attempts: Number(row.attempts),
    status: enumValue(eventsV1.RequestStatus, row.status),
    httpStatus: Number(row.http_status),
    errorClass: row.error_class,
    errorMessage: row.error_message,
    latencyMs: row.latency_ms,
    timeToFirstTokenMs: row.time_to_first_token_ms,
    streamed: row.streamed,
    tokens: tokensFromRow(row),
    costUsd: row.cost_usd,
    cacheStatus: enumValue(eventsV1.CacheStatus, row.cache_status),
    metadata: row.metadata,
    finishReason: row.finish_reason,
    usageEstimated: row.usage_estimated,
    servedBy: row.served_by,
    servedByDetail: row.served_by_detail,
    annotations: row.annotations,
    spanId: row.span_id,
    parentSpanId: row.parent_span_id,
    spanName: row.span_name,
    tags: row.tags,
    country: row.country,
    promptName: row.prompt_name,
    promptVersion: Number(row.prompt_version),
    inputCostUsd: row.input_cost_usd,
    outputCostUsd: row.output_cost_usd,
    priceSource: row.price_source,
    experimentId: row.experiment_id,
    experimentArm: row.experiment_arm,
  });
}

type TokenRow = Pick<RequestRow, 'input_tokens' | 'output_tokens' | 'cached_input_tokens' | 'cache_write_tokens' | 'reasoning_tokens'>;

function tokensFromRow(row: TokenRow): TokenCounts | undefined {
  if (row.input_tokens === null) return undefined;
  return create(eventsV1.TokenCountsSchema, {
    input: Number(row.input_tokens),
    output: Number(row.output_tokens),
    cachedInput: Number(row.cached_input_tokens),
    cacheWrite: Number(row.cache_write_tokens),
    reasoning: Number(row.reasoning_tokens),
  });
}

const MICROS_PER_SECOND = 1_000_000n;
/** The range of google.protobuf.Timestamp: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z. */
const MIN_SECONDS = -62_135_596_800n;
const MAX_SECONDS = 253_402_300_799n;

/**
 * A timestamp as `timestamptz` input text with microseconds, e.g.
 * `2025-01-02T03:04:05.678901Z`. Nanoseconds beyond the microsecond are
 * dropped; an absent timestamp is the Unix epoch; seconds outside
 * Timestamp's range (years 1 to 9999) are clamped to it.
 */
export function timestampText(timestamp: Timestamp | undefined): string {
  if (timestamp === undefined) return microsText(0n);
  const seconds = timestamp.seconds < MIN_SECONDS ? MIN_SECONDS : timestamp.seconds > MAX_SECONDS ? MAX_SECONDS : timestamp.seconds;
  return microsText(seconds * MICROS_PER_SECOND + BigInt(Math.floor(timestamp.nanos / 1000)));
}

/** Microseconds since the Unix epoch as `timestamptz` input text; throws a RangeError outside years 1 to 9999. */
export function microsText(micros: bigint): string {
  const fraction = ((micros % MICROS_PER_SECOND) + MICROS_PER_SECOND) % MICROS_PER_SECOND;
  const seconds = (micros - fraction) / MICROS_PER_SECOND;
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) throw new RangeError(`${micros} microseconds is outside years 1 to 9999.`);
  const wholeSeconds = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${wholeSeconds}.${fraction.toString().padStart(6, '0')}Z`;
}

export function timestampFromMicros(micros: bigint): Timestamp {
  const fraction = ((micros % MICROS_PER_SECOND) + MICROS_PER_SECOND) % MICROS_PER_SECOND;
  return create(TimestampSchema, { seconds: (micros - fraction) / MICROS_PER_SECOND, nanos: Number(fraction) * 1000 });
}

/** A generated enum's value as stored: `RequestStatus.SUCCEEDED` → `succeeded`; an unknown value as its number. */
export function enumName(values: Record<number, string>, value: number): string {
  const name = values[value];
  return typeof name === 'string' ? name.toLowerCase() : String(value);
}

function enumValue(values: Record<string, string | number>, stored: string): number {
  const value = values[stored.toUpperCase()];
  if (typeof value === 'number') return value;
  const number = Number(stored);
  return Number.isInteger(number) ? number : 0;
}

/** Postgres text cannot hold U+0000. */
function storedText(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
}

function storedMap(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([key, value]) => [storedText(key), storedText(value)]));
}
