import { createHash } from 'node:crypto';
import { Point } from '@influxdata/influxdb-client';
import { eventsV1 } from '@switchyard/proto';
import { operationName } from '@switchyard/shared';
import type { CostRecorded, RequestCompleted, SwitchyardEvent } from '@switchyard/events';

/** Measurement of one point per RequestCompleted event. */
export const REQUESTS_MEASUREMENT = 'requests';
/** Measurement of one point per CostRecorded event. */
export const COSTS_MEASUREMENT = 'costs';

type Timestamp = RequestCompleted['occurredAt'];

/**
 * The point's time in nanoseconds since the epoch, as a decimal string:
 * `occurred_at` in whole milliseconds × 1e6, plus a hash of `event_id` modulo
 * 1e6 in the sub-millisecond digits.
 *
 * InfluxDB identifies a point by measurement, tag set and timestamp; writing a
 * point with the same identity replaces its fields. So:
 * - a redelivered event lands on the same timestamp and overwrites its point
 *   instead of adding a second one (writes are idempotent);
 * - two different events with the same tags in the same millisecond get
 *   different sub-millisecond offsets and stay two points. They collide only
 *   if their ids hash to the same value modulo 1e6 (about one in a million
 *   per such pair), in which case the later write replaces the earlier.
 * The time a point shows is therefore `occurred_at` truncated to the
 * millisecond, which is all the precision the gateway reports anyway.
 * An event without `occurred_at` lands at the epoch, still deterministically.
 */
export function pointTimestamp(occurredAt: Timestamp, eventId: string): string {
  const milliseconds = occurredAt ? occurredAt.seconds * 1000n + BigInt(Math.floor(occurredAt.nanos / 1e6)) : 0n;
  return (milliseconds * 1_000_000n + eventIdHash(eventId)).toString();
}

/** A stable hash of the event id in [0, 1e6). */
export function eventIdHash(eventId: string): bigint {
  const digest = createHash('sha256').update(eventId).digest();
  return digest.readBigUInt64BE(0) % 1_000_000n;
}

/** Lower-case enum names as tag values: `succeeded`, `semantic_hit`. */
function enumTag(enumObject: Record<number, string>, value: number): string {
  return (enumObject[value] ?? 'unspecified').toLowerCase();
}

export function requestPoint(event: RequestCompleted): Point {
  const tokens = event.tokens;
  return new Point(REQUESTS_MEASUREMENT)
    .tag('provider', event.provider)
    .tag('model', event.servedModel || event.requestedModel)
    .tag('workspace', event.workspace)
    .tag('status', enumTag(eventsV1.RequestStatus, event.status))
    .tag('operation', operationName(event.operation))
    .tag('served_by', event.servedBy)
    .floatField('latency_ms', event.latencyMs)
    .floatField('ttft_ms', event.timeToFirstTokenMs)
    .intField('input_tokens', tokens?.input ?? 0)
    .intField('output_tokens', tokens?.output ?? 0)
    .intField('cached_input_tokens', tokens?.cachedInput ?? 0)
    .intField('cache_write_tokens', tokens?.cacheWrite ?? 0)
    .intField('reasoning_tokens', tokens?.reasoning ?? 0)
    .floatField('cost_usd', event.costUsd)
    .intField('error', event.status === eventsV1.RequestStatus.FAILED ? 1 : 0)
    .intField('attempts', event.attempts)
    .stringField('request_id', event.requestId)
    .timestamp(pointTimestamp(event.occurredAt, event.eventId));
}

export function costPoint(event: CostRecorded): Point {
  return new Point(COSTS_MEASUREMENT)
    .tag('provider', event.provider)
    .tag('model', event.model)
    .tag('workspace', event.workspace)
    .floatField('input_cost_usd', event.inputCostUsd)
    .floatField('output_cost_usd', event.outputCostUsd)
    .floatField('total_cost_usd', event.totalCostUsd)
    .stringField('request_id', event.requestId)
    .timestamp(pointTimestamp(event.occurredAt, event.eventId));
}

/** The events that are time series: application spans are not (they live in the `spans` table only). */
export type TimeSeriesEvent = Exclude<SwitchyardEvent, { kind: 'spans-received' }>;

export function isTimeSeriesEvent(item: SwitchyardEvent): item is TimeSeriesEvent {
  return item.kind !== 'spans-received';
}

export function eventPoint(item: TimeSeriesEvent): Point {
  switch (item.kind) {
    case 'request-completed':
      return requestPoint(item.event);
    case 'cost-recorded':
      return costPoint(item.event);
  }
}
