import type { EventSink, SwitchyardEvent } from '@switchyard/events';
import type { eventsV1 } from '@switchyard/proto';
import { costColumns, insertParameters, insertStatement, requestColumns } from './event-rows';
import type { SqlClient } from '@switchyard/database';
import { writeSpans } from '../traces/span-rows';

/**
 * A whole batch in one statement (so one round trip, atomic without a
 * transaction around it): the requests, their usage rows, made from the
 * request rows just inserted (so a redelivered request adds neither), and
 * the costs. Data-modifying CTEs all run whether or not the query reads
 * them; an empty array inserts nothing.
 */
const INSERT_BATCH = `
  WITH inserted AS (
    ${insertStatement('requests', requestColumns)}
    RETURNING event_id, request_id, occurred_at, workspace, key_id, user_id, provider, served_model, requested_model,
      input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens
  ),
  inserted_usage AS (
    INSERT INTO usage (event_id, request_id, occurred_at, workspace, key_id, user_id, provider, model,
      input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens)
    SELECT event_id, request_id, occurred_at, workspace, key_id, user_id, provider,
      CASE WHEN served_model <> '' THEN served_model ELSE requested_model END,
      coalesce(input_tokens, 0), coalesce(output_tokens, 0), coalesce(cached_input_tokens, 0),
      coalesce(cache_write_tokens, 0), coalesce(reasoning_tokens, 0)
    FROM inserted
    ON CONFLICT (event_id) DO NOTHING
  )
  ${insertStatement('costs', costColumns, requestColumns.length + 1)}`;

/**
 * Writes events to the `requests`, `usage` and `costs` tables. A batch is one
 * statement, whatever its size. Delivery is at least once; the tables are
 * keyed by event id, so an event written again, in the same batch or a later
 * one, leaves the rows as they were.
 */
export class PostgresEventStore implements EventSink {
  readonly name = 'postgres';

  constructor(private readonly client: SqlClient) {}

  async writeBatch(events: readonly SwitchyardEvent[]): Promise<void> {
    const requests: eventsV1.RequestCompleted[] = [];
    const costs: eventsV1.CostRecorded[] = [];
    const spans: eventsV1.SpansReceived[] = [];
    for (const item of events) {
      if (item.kind === 'request-completed') requests.push(item.event);
      else if (item.kind === 'spans-received') spans.push(item.event);
      else costs.push(item.event);
    }
    // Application spans go to their own table; like the rest, writing them again changes nothing.
    if (spans.length > 0) await writeSpans(this.client, spans);
    if (requests.length === 0 && costs.length === 0) return;
    await this.client.query(INSERT_BATCH, [
      ...insertParameters(requestColumns, inLockOrder(requests)),
      ...insertParameters(costColumns, inLockOrder(costs)),
    ]);
  }
}

/**
 * The events once each, ordered by event id. Two consumers writing batches
 * that share events (a rebalance redelivers them) then take their row locks
 * in the same order and wait for each other instead of deadlocking.
 */
function inLockOrder<Event extends { eventId: string }>(events: readonly Event[]): Event[] {
  const byId = new Map<string, Event>();
  for (const event of events) if (!byId.has(event.eventId)) byId.set(event.eventId, event);
  return [...byId.values()].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
}
