import type { EventSink, SwitchyardEvent } from '@switchyard/events';
import type { eventsV1 } from '@switchyard/proto';
import { insertParameters, insertStatement, requestColumns, timestampText } from './event-rows';
import type { SqlClient } from '@switchyard/database';
import { writeSpans } from '../traces/span-rows';

const INSERT_REQUESTS = insertStatement('requests', requestColumns);

/**
 * A `CostRecorded` re-prices a request already recorded (a cost recomputed
 * after a price change): its record takes the new cost when the event is
 * newer than the price it has. Applying one again changes nothing.
 */
const REPRICE_REQUESTS = `
  UPDATE requests SET cost_usd = priced.total, input_cost_usd = priced.input, output_cost_usd = priced.output,
    price_source = priced.source, priced_at = priced.at
  FROM unnest($1::text[], $2::text[], $3::double precision[], $4::double precision[], $5::double precision[], $6::text[], $7::timestamptz[])
    AS priced(request_id, workspace, total, input, output, source, at)
  WHERE requests.request_id = priced.request_id AND requests.workspace = priced.workspace
    AND (requests.priced_at IS NULL OR requests.priced_at < priced.at)`;

/**
 * Writes events to the `requests` table (and spans to `spans`). Delivery is at least once; rows are
 * keyed by event id, so an event written again, in the same batch or a later
 * one, leaves the rows as they were. A batch of request events is one
 * statement, whatever its size; re-pricing events are applied after the
 * batch's requests are in, in the same transaction.
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
      else if (item.kind === 'cost-recorded') costs.push(item.event);
      // Transcript segments and conversations have a sink of their own (@switchyard/edge-ingest's conversation store).
    }
    // Application spans go to their own table; like the rest, writing them again changes nothing.
    if (spans.length > 0) await writeSpans(this.client, spans);
    if (costs.length === 0) {
      if (requests.length > 0) await this.client.query(INSERT_REQUESTS, insertParameters(requestColumns, inLockOrder(requests)));
      return;
    }
    const repriced = inLockOrder(costs);
    await this.client.transaction(async (transaction) => {
      if (requests.length > 0) await transaction.query(INSERT_REQUESTS, insertParameters(requestColumns, inLockOrder(requests)));
      await transaction.query(REPRICE_REQUESTS, [
        repriced.map((cost) => cost.requestId),
        repriced.map((cost) => cost.workspace),
        repriced.map((cost) => cost.totalCostUsd),
        repriced.map((cost) => cost.inputCostUsd),
        repriced.map((cost) => cost.outputCostUsd),
        repriced.map((cost) => cost.priceSource),
        repriced.map((cost) => timestampText(cost.occurredAt)),
      ]);
    });
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
