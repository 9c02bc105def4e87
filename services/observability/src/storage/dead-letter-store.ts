import { EVENT_TYPE_HEADER, encodeEvent, storableText, type DeadLetter, type DeadLetterSink } from '@switchyard/events';
import type { SqlExecutor } from '@switchyard/database';

const COLUMNS = ['event_id', 'sink', 'event_type', 'payload', 'reason', 'error', 'request_id'] as const;

/**
 * Keeps dead letters in the `dead_letters` table: the event's bytes as on
 * Kafka, its type, which sink refused it, why, and when. Written once per
 * event and sink (a redelivered dead letter leaves the row as it was).
 */
export class PostgresDeadLetterStore implements DeadLetterSink {
  constructor(private readonly database: SqlExecutor) {}

  async writeDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const params: unknown[] = [];
    const rows: string[] = [];
    for (const letter of letters) {
      const encoded = encodeEvent(letter.event);
      const values = [
        storableText(letter.event.event.eventId),
        storableText(letter.sink),
        encoded.headers[EVENT_TYPE_HEADER],
        encoded.value,
        storableText(letter.reason),
        // The message may quote the refused value; kept storable and short.
        storableText(letter.message.slice(0, 2_000)),
        storableText(letter.event.event.requestId),
      ];
      rows.push(`(${values.map((_, index) => `$${params.length + index + 1}`).join(', ')})`);
      params.push(...values);
    }
    await this.database.query(
      `INSERT INTO dead_letters (${COLUMNS.join(', ')}) VALUES ${rows.join(', ')} ON CONFLICT (event_id, sink) DO NOTHING`,
      params,
    );
  }
}
