import { INFLUX_DATABASE, INFLUX_URL, requireInflux } from '../../../../test/support/infrastructure';
import { costRecorded, fluxRows, pointsQuery, requestCompleted, uniqueName } from '../consumers/__fixtures__/observability-test-support';
import { InfluxEventWriter } from './influx-event-writer';
import { pointTimestamp } from './influx-points';
import type { RequestCompleted } from '@switchyard/events';
import { eventsV1 } from '@switchyard/proto';

jest.setTimeout(60_000);

describe('InfluxEventWriter against InfluxDB 1.8', () => {
  const influx = { url: INFLUX_URL, database: INFLUX_DATABASE };
  const writer = new InfluxEventWriter(influx);
  const bucket = `${influx.database}/autogen`;

  beforeAll(() => requireInflux());

  it('writes one requests point per RequestCompleted with the event as tags and fields', async () => {
    const workspace = uniqueName('influx-requests');
    const occurredAtMs = Date.now() - 60_000;
    const events = Array.from({ length: 20 }, (_, index) => requestCompleted(workspace, index, occurredAtMs + index));
    await writer.writeBatch(events);

    const rows = await fluxRows(influx.url, pointsQuery(bucket, 'requests', workspace));
    expect(rows).toHaveLength(events.length);
    const byRequest = new Map(rows.map((row) => [row.request_id as string, row]));
    for (const item of events) {
      const event = item.event as RequestCompleted;
      const row = byRequest.get(event.requestId);
      expect(row).toMatchObject({
        _measurement: 'requests',
        provider: event.provider,
        model: event.servedModel,
        workspace,
        status: event.status === eventsV1.RequestStatus.FAILED ? 'failed' : 'succeeded',
        operation: event.operation === eventsV1.Operation.EMBEDDING ? 'embeddings' : 'chat.completion',
        latency_ms: event.latencyMs,
        ttft_ms: event.timeToFirstTokenMs,
        input_tokens: event.tokens!.input,
        output_tokens: event.tokens!.output,
        cached_input_tokens: event.tokens!.cachedInput,
        cache_write_tokens: event.tokens!.cacheWrite,
        reasoning_tokens: event.tokens!.reasoning,
        cost_usd: event.costUsd,
        input_cost_usd: event.inputCostUsd,
        output_cost_usd: event.outputCostUsd,
        cache_status: 'miss',
        streamed: event.streamed ? 'true' : 'false',
        error: event.status === eventsV1.RequestStatus.FAILED ? 1 : 0,
        attempts: event.attempts,
      });
      // Flux reports times in RFC 3339 with nanoseconds: the sub-millisecond digits are the event id's hash.
      const nanoseconds = pointTimestamp(event.occurredAt, event.eventId);
      expect(rfc3339ToNanoseconds(row!._time as string)).toBe(nanoseconds);
    }
  });

  it('writes no point for a CostRecorded (a re-pricing of a recorded request)', async () => {
    const workspace = uniqueName('influx-costs');
    await writer.writeBatch([requestCompleted(workspace, 0), ...Array.from({ length: 5 }, (_, index) => costRecorded(workspace, index + 1))]);
    expect(await fluxRows(influx.url, pointsQuery(bucket, 'requests', workspace))).toHaveLength(1);
    expect(await fluxRows(influx.url, pointsQuery(bucket, 'costs', workspace))).toHaveLength(0);
  });

  it('keeps two requests with the same tags in the same millisecond as two points', async () => {
    const workspace = uniqueName('influx-same-ms');
    const occurredAtMs = Date.now() - 30_000;
    // Indices 0 and 2 share provider, model, status and operation.
    const events = [requestCompleted(workspace, 0, occurredAtMs), requestCompleted(workspace, 2, occurredAtMs)];
    await writer.writeBatch(events);
    expect(await fluxRows(influx.url, pointsQuery(bucket, 'requests', workspace))).toHaveLength(2);
  });

  it('writing the same batch again leaves the same points', async () => {
    const workspace = uniqueName('influx-idempotent');
    const occurredAtMs = Date.now() - 10_000;
    const events = [
      ...Array.from({ length: 50 }, (_, index) => requestCompleted(workspace, index, occurredAtMs)),
      ...Array.from({ length: 10 }, (_, index) => costRecorded(workspace, index, occurredAtMs)),
    ];
    await writer.writeBatch(events);
    const first = await fluxRows(influx.url, pointsQuery(bucket, 'requests', workspace));
    await writer.writeBatch(events);
    await writer.writeBatch(events.slice(10, 30));
    const second = await fluxRows(influx.url, pointsQuery(bucket, 'requests', workspace));
    expect(first).toHaveLength(50);
    expect(second).toEqual(first);
  });

  it('rejects when InfluxDB cannot be reached', async () => {
    const unreachable = new InfluxEventWriter({ url: 'http://127.0.0.1:9', database: influx.database, timeoutMs: 2_000 });
    await expect(unreachable.writeBatch([requestCompleted(uniqueName('influx-down'), 0)])).rejects.toThrow();
  });

  it('rejects when the database does not exist', async () => {
    const missing = new InfluxEventWriter({ url: influx.url, database: uniqueName('no-such-database') });
    await expect(missing.writeBatch([requestCompleted(uniqueName('influx-missing'), 0)])).rejects.toThrow(/database not found/);
  });
});

/** `2026-01-02T03:04:05.678901234Z` → nanoseconds since the epoch, as a decimal string. */
function rfc3339ToNanoseconds(time: string): string {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(time);
  if (!match) throw new Error(`Not an RFC 3339 time: ${time}`);
  const seconds = BigInt(Date.parse(`${match[1]}Z`) / 1000);
  const fraction = BigInt((match[2] ?? '').padEnd(9, '0'));
  return (seconds * 1_000_000_000n + fraction).toString();
}
