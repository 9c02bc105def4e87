import { randomUUID } from 'node:crypto';
import { invalidRequest, type FeedbackInput, type FeedbackRecord, type ScoreKind } from '@switchyard/shared';
import type { SqlExecutor } from '@switchyard/database';
import { SqlParameters, scopeConditions } from '../query/request-filter';

/** A score's name: what analytics group its values under. */
const SCORE_NAME = /^[\w.:@-]{1,128}$/;
const REQUEST_ID = /^[\w.:-]{1,128}$/;
const TRACE_ID = /^[\da-f]{32}$/;
export const MAX_CATEGORY_LENGTH = 128;
export const MAX_COMMENT_LENGTH = 4_096;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * Checks a score: exactly one of a request id and a trace id, a name, a
 * value that is a boolean (thumbs), a finite number or a short category,
 * an optional bounded comment. Throws `invalidRequest` naming the field.
 */
export function checkFeedback(input: FeedbackInput): ScoreKind {
  if ((input.requestId === undefined) === (input.traceId === undefined)) {
    throw invalidRequest('Give exactly one of request_id and trace_id.', input.requestId === undefined ? 'request_id' : 'trace_id');
  }
  if (input.requestId !== undefined && !REQUEST_ID.test(input.requestId)) {
    throw invalidRequest('request_id is 1-128 letters, digits or . : _ -.', 'request_id', 'invalid_value');
  }
  if (input.traceId !== undefined && !TRACE_ID.test(input.traceId)) {
    throw invalidRequest('trace_id is 32 lower-case hex digits.', 'trace_id', 'invalid_value');
  }
  if (typeof input.name !== 'string' || !SCORE_NAME.test(input.name)) {
    throw invalidRequest('name is 1-128 letters, digits or . : @ _ -.', 'name', 'invalid_value');
  }
  if (input.comment !== undefined) {
    if (typeof input.comment !== 'string') throw invalidRequest('comment must be a string.', 'comment', 'invalid_type');
    if (input.comment.length > MAX_COMMENT_LENGTH) {
      throw invalidRequest(`comment is longer than ${MAX_COMMENT_LENGTH} characters.`, 'comment', 'string_above_max_length');
    }
    if (CONTROL_CHARACTER.test(input.comment)) throw invalidRequest('comment must not contain control characters.', 'comment', 'invalid_value');
  }
  const { value } = input;
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalidRequest('value must be a finite number.', 'value', 'invalid_value');
    return 'numeric';
  }
  if (typeof value === 'string') {
    if (value.length === 0 || value.length > MAX_CATEGORY_LENGTH || CONTROL_CHARACTER.test(value) || /[\n\r\t]/.test(value)) {
      throw invalidRequest(`A categorical value is 1-${MAX_CATEGORY_LENGTH} characters on one line.`, 'value', 'invalid_value');
    }
    return 'categorical';
  }
  throw invalidRequest('value must be a boolean, a number or a string.', 'value', 'invalid_type');
}

/**
 * Stores a score on the request (its latest record) or trace the input
 * names, looked up only within the input's scope, in that record's
 * workspace. Undefined, and nothing stored, when the scope holds no such
 * request or trace: another workspace's record is not revealed.
 */
export async function recordFeedback(executor: SqlExecutor, input: FeedbackInput): Promise<FeedbackRecord | undefined> {
  const kind = checkFeedback(input);
  const parameters = new SqlParameters();
  const column = input.requestId !== undefined ? 'request_id' : 'trace_id';
  const conditions = [`${column} = ${parameters.add(input.requestId ?? input.traceId)}`, ...scopeConditions(input.scope, parameters)];
  const [target] = await executor.query<{ workspace: string; trace_id: string }>(
    `SELECT workspace, trace_id FROM requests WHERE ${conditions.join(' AND ')} ORDER BY occurred_at DESC, event_id DESC LIMIT 1`,
    parameters.values,
  );
  if (!target) return undefined;
  const { value } = input;
  const record: FeedbackRecord = {
    id: `score_${randomUUID()}`,
    createdAt: new Date(),
    workspace: target.workspace,
    requestId: input.requestId ?? '',
    traceId: target.trace_id,
    name: input.name,
    kind,
    value,
    comment: input.comment ?? '',
  };
  const numeric = typeof value === 'boolean' ? (value ? 1 : 0) : typeof value === 'number' ? value : null;
  await executor.query(
    `INSERT INTO scores (score_id, created_at, workspace, request_id, trace_id, on_request, name, kind, numeric_value, string_value, comment, key_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      record.id,
      record.createdAt.toISOString(),
      record.workspace,
      record.requestId,
      record.traceId,
      input.requestId !== undefined,
      record.name,
      kind,
      numeric,
      typeof value === 'string' ? value : null,
      record.comment,
      input.keyId,
    ],
  );
  return record;
}
