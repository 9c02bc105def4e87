import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { eventsV1 } from '@switchyard/proto';
import { eventIdHash, eventPoint, pointTimestamp, requestPoint } from './influx-points';

const occurredAt = timestampFromMs(Date.UTC(2026, 0, 2, 3, 4, 5, 678));

describe('pointTimestamp', () => {
  it('is occurred_at in milliseconds with the event id hash in the sub-millisecond digits', () => {
    const timestamp = pointTimestamp(occurredAt, 'event-1');
    expect(timestamp).toBe((BigInt(Date.UTC(2026, 0, 2, 3, 4, 5, 678)) * 1_000_000n + eventIdHash('event-1')).toString());
    expect(pointTimestamp(occurredAt, 'event-1')).toBe(timestamp);
  });

  it('differs for two events in the same millisecond', () => {
    expect(pointTimestamp(occurredAt, 'event-1')).not.toBe(pointTimestamp(occurredAt, 'event-2'));
  });

  it('ignores sub-millisecond digits of occurred_at', () => {
    const withMicroseconds = { ...occurredAt, nanos: occurredAt.nanos + 999 };
    expect(pointTimestamp(withMicroseconds, 'event-1')).toBe(pointTimestamp(occurredAt, 'event-1'));
  });

  it('hashes into [0, 1e6)', () => {
    for (let index = 0; index < 1000; index++) {
      const hash = eventIdHash(`event-${index}`);
      expect(hash >= 0n && hash < 1_000_000n).toBe(true);
    }
  });
});

describe('points', () => {
  it('maps RequestCompleted to the requests measurement', () => {
    const event = create(eventsV1.RequestCompletedSchema, {
      eventId: 'event-1',
      occurredAt,
      requestId: 'request-1',
      workspace: 'acme',
      provider: 'openai',
      requestedModel: 'fast',
      servedModel: 'gpt-4o-mini',
      operation: eventsV1.Operation.CHAT_COMPLETION,
      status: eventsV1.RequestStatus.FAILED,
      attempts: 2,
      latencyMs: 12.5,
      timeToFirstTokenMs: 3.25,
      tokens: { input: 10, output: 20, cachedInput: 4, cacheWrite: 1, reasoning: 7 },
      costUsd: 0.0015,
      inputCostUsd: 0.0005,
      outputCostUsd: 0.001,
      servedBy: 'provider',
      cacheStatus: eventsV1.CacheStatus.MISS,
      streamed: true,
    });
    expect(requestPoint(event).toLineProtocol()).toBe(
      'requests,cache_status=miss,model=gpt-4o-mini,operation=chat.completion,provider=openai,served_by=provider,status=failed,' +
        'streamed=true,workspace=acme ' +
        'attempts=2i,cache_write_tokens=1i,cached_input_tokens=4i,cost_usd=0.0015,error=1i,input_cost_usd=0.0005,input_tokens=10i,' +
        'latency_ms=12.5,output_cost_usd=0.001,output_tokens=20i,reasoning_tokens=7i,request_id="request-1",ttft_ms=3.25 ' +
        pointTimestamp(occurredAt, 'event-1'),
    );
  });

  it('falls back to the requested model and leaves out empty tags', () => {
    const event = create(eventsV1.RequestCompletedSchema, {
      eventId: 'event-2',
      occurredAt,
      workspace: 'acme',
      requestedModel: 'fast',
      status: eventsV1.RequestStatus.SUCCEEDED,
    });
    expect(requestPoint(event).toLineProtocol()).toMatch(
      /^requests,cache_status=unspecified,model=fast,operation=unspecified,status=succeeded,streamed=false,workspace=acme .*error=0i/,
    );
  });

  it('makes no point of a CostRecorded: a re-pricing changes the record in Postgres only', () => {
    const event = create(eventsV1.CostRecordedSchema, {
      eventId: 'event-3',
      occurredAt,
      requestId: 'request-3',
      workspace: 'acme',
      totalCostUsd: 0.3,
    });
    expect(eventPoint({ kind: 'cost-recorded', event })).toBeUndefined();
    expect(
      eventPoint({ kind: 'request-completed', event: create(eventsV1.RequestCompletedSchema, { eventId: 'e', workspace: 'acme' }) }),
    ).toBeDefined();
  });
});
