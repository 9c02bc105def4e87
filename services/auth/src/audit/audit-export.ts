import type { SqlExecutor } from '@switchyard/database';
import type { AuditCheckpoint } from './audit-checkpoint';
import type { AuditRecord } from './audit-record';
import { readAuditCheckpoints, readAuditRecords, type AuditRange } from './sql-audit-log';

/**
 * The JSONL export of the audit trail: first the signed checkpoints of the
 * exported span, one `{"checkpoint": {...}}` a line, then the records in
 * sequence order, one record object a line, exactly as they were hashed.
 * `audit verify --file` checks such a file without the database.
 */
export async function exportAuditJsonl(
  client: SqlExecutor,
  range: AuditRange,
  write: (line: string) => void | Promise<void>,
): Promise<{ records: number; checkpoints: number }> {
  const [span] = await client.query<{ first: string | number | null; last: string | number | null }>(
    `SELECT min(sequence) AS first, max(sequence) AS last FROM audit_records
      WHERE sequence >= $1 AND sequence <= $2
        AND ($3::timestamptz IS NULL OR occurred_at >= $3::timestamptz)
        AND ($4::timestamptz IS NULL OR occurred_at <= $4::timestamptz)`,
    [
      range.fromSequence ?? 1,
      range.toSequence ?? Number.MAX_SAFE_INTEGER,
      range.fromTime === undefined ? null : new Date(range.fromTime).toISOString(),
      range.toTime === undefined ? null : new Date(range.toTime).toISOString(),
    ],
  );
  if (span.first === null || span.last === null) return { records: 0, checkpoints: 0 };
  const first = Number(span.first);
  const last = Number(span.last);
  const checkpoints = await readAuditCheckpoints(client, first, last);
  for (const checkpoint of checkpoints) await write(`${JSON.stringify({ checkpoint })}\n`);
  let records = 0;
  // The span, not the time range again: a record inside it whose clock went backwards is still exported.
  for await (const record of readAuditRecords(client, { fromSequence: first, toSequence: last })) {
    await write(`${JSON.stringify(record)}\n`);
    records += 1;
  }
  return { records, checkpoints: checkpoints.length };
}

/** Reads an export back; a line that is not a record or a checkpoint is an error naming its line number. */
export function parseAuditJsonl(text: string): { records: AuditRecord[]; checkpoints: AuditCheckpoint[] } {
  const records: AuditRecord[] = [];
  const checkpoints: AuditCheckpoint[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      throw new Error(`Line ${index + 1} of the audit export is not JSON: ${(error as Error).message}`, { cause: error });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error(`Line ${index + 1} of the audit export is not a JSON object.`);
    if ('checkpoint' in parsed) checkpoints.push((parsed as { checkpoint: AuditCheckpoint }).checkpoint);
    else if (typeof (parsed as AuditRecord).sequence === 'number' && typeof (parsed as AuditRecord).hash === 'string')
      records.push(parsed as AuditRecord);
    else throw new Error(`Line ${index + 1} of the audit export is neither an audit record nor a checkpoint.`);
  });
  return { records, checkpoints };
}
