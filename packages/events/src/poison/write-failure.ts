/**
 * What a failed write says about the batch, decided in one place for every
 * store a batch is written to (Postgres and PGlite, Kafka, InfluxDB):
 *
 * - `transient`: the store could not take anything just now (connection
 *   refused or reset, timeout, shutdown, serialization failure, or an error
 *   nobody recognises). The same batch is written again after a backoff.
 * - `rejected`: the store refused the batch for what is in it (a value it
 *   cannot hold, a record too large). Writing it again would fail again, so
 *   the batch is bisected to find the events at fault, which are
 *   dead-lettered; the rest are written.
 * - `out-of-memory`: the store ran out of memory on the batch. That may be
 *   the batch's size or a passing shortage, so it is tried once more, then
 *   bisected like a rejection.
 *
 * `reason` is a short snake_case name, used as a metric label and stored
 * with a dead letter.
 */
export type WriteFailure =
  { kind: 'transient'; reason: string } | { kind: 'rejected'; reason: string } | { kind: 'out-of-memory'; reason: 'out_of_memory' };

/** Kafka error codes for a record or batch the broker will never take, as both Kafka clients name them. */
const KAFKA_REJECTIONS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TIMESTAMP']);

/** SQLSTATE classes (first two characters) of errors about the data itself. */
const SQL_REJECTION_CLASSES: Record<string, string> = {
  '22': 'data_exception',
  '23': 'integrity_violation',
  '54': 'program_limit_exceeded',
};

export function classifyWriteFailure(error: unknown): WriteFailure {
  for (const cause of causesOf(error)) {
    const failure = classifyOne(cause);
    if (failure) return failure;
  }
  return { kind: 'transient', reason: 'unrecognised' };
}

function classifyOne(error: Record<string, unknown>): WriteFailure | undefined {
  // Kafka: @platformatic/kafka names the broker's error in `apiId`, kafkajs in `type`.
  for (const name of [error.apiId, error.type]) {
    if (typeof name === 'string' && KAFKA_REJECTIONS.has(name)) return { kind: 'rejected', reason: name.toLowerCase() };
  }
  const code = error.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return classifySqlState(code, messageOf(error));
  // InfluxDB's client: the HTTP status of the write. 400 is a point it cannot parse, 413 a body too large.
  const status = error.statusCode;
  if (typeof status === 'number' && typeof error.body === 'string') {
    if (status === 400) return { kind: 'rejected', reason: 'invalid_point' };
    if (status === 413) return { kind: 'rejected', reason: 'too_large' };
    return { kind: 'transient', reason: `http_${status}` };
  }
  // PGlite (WebAssembly) may run out of memory below Postgres's own allocator, without a SQLSTATE.
  if (/out of memory/i.test(messageOf(error)) && !('code' in error)) return { kind: 'out-of-memory', reason: 'out_of_memory' };
  return undefined;
}

function classifySqlState(code: string, message: string): WriteFailure {
  // A unique violation despite ON CONFLICT is a race between two writers; the retry finds the row.
  if (code === '23505') return { kind: 'transient', reason: 'unique_violation' };
  if (code === '53200') return { kind: 'out-of-memory', reason: 'out_of_memory' };
  // Postgres refuses one allocation over 1 GB as an internal error: the batch is too large.
  if (code === 'XX000' && /invalid memory alloc request size/i.test(message)) return { kind: 'rejected', reason: 'program_limit_exceeded' };
  const rejection = SQL_REJECTION_CLASSES[code.slice(0, 2)];
  if (rejection) return { kind: 'rejected', reason: rejection };
  // Connection errors (08), shutdowns (57P0x), serialization failures and deadlocks (40),
  // lock timeouts (55P03), disk full (53100), and the rest (a schema not migrated yet, say):
  // none is about the rows, so dead-lettering them would lose good events.
  return { kind: 'transient', reason: `sqlstate_${code.toLowerCase()}` };
}

/** The error, then what it wraps (`cause`, an `AggregateError`'s `errors`), depth first, each once. */
function causesOf(error: unknown): Array<Record<string, unknown>> {
  const found: Array<Record<string, unknown>> = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number) => {
    if (value === null || typeof value !== 'object' || seen.has(value) || depth > 8) return;
    seen.add(value);
    const record = value as Record<string, unknown>;
    found.push(record);
    visit(record.cause, depth + 1);
    if (Array.isArray(record.errors)) for (const inner of record.errors) visit(inner, depth + 1);
  };
  visit(error, 0);
  return found;
}

function messageOf(error: Record<string, unknown>): string {
  return typeof error.message === 'string' ? error.message : '';
}

/** The error's message, for a log line or a dead letter: every cause's message, outermost first. */
export function describeWriteFailure(error: unknown): string {
  const messages = causesOf(error)
    .map(messageOf)
    .filter((message) => message !== '');
  return [...new Set(messages)].join(': ') || String(error);
}
