import { create } from '@bufbuild/protobuf';
import { TimestampSchema } from '@bufbuild/protobuf/wkt';
import { eventsV1 } from '@switchyard/proto';
import { enumName, insertStatement, microsText, requestColumns, timestampFromMicros, timestampText } from './event-rows';
import { timestamp } from './__fixtures__/events';

describe('timestampText', () => {
  it('writes microseconds, dropping the nanoseconds beyond', () => {
    expect(timestampText(timestamp('2025-03-01T12:00:00.123456789Z'))).toBe('2025-03-01T12:00:00.123456Z');
    expect(timestampText(timestamp('2025-03-01T12:00:00Z'))).toBe('2025-03-01T12:00:00.000000Z');
  });

  it('writes an absent time as the Unix epoch', () => {
    expect(timestampText(undefined)).toBe('1970-01-01T00:00:00.000000Z');
  });

  it('handles times before the epoch and clamps those outside years 1 to 9999', () => {
    expect(timestampText(timestamp('1969-12-31T23:59:59.5Z'))).toBe('1969-12-31T23:59:59.500000Z');
    expect(timestampText(create(TimestampSchema, { seconds: -(10n ** 15n) }))).toBe('0001-01-01T00:00:00.000000Z');
    expect(timestampText(create(TimestampSchema, { seconds: 10n ** 15n }))).toBe('9999-12-31T23:59:59.000000Z');
  });
});

describe('microsText and timestampFromMicros', () => {
  it.each(['2025-03-01T12:00:00.000001Z', '1969-12-31T23:59:59.999999Z', '0001-01-01T00:00:00.000000Z', '9999-12-31T23:59:59.999999Z'])(
    'round-trip %s',
    (text) => {
      const time = timestamp(text);
      const micros = time.seconds * 1_000_000n + BigInt(time.nanos / 1000);
      expect(microsText(micros)).toBe(text);
      expect(timestampFromMicros(micros)).toEqual(time);
    },
  );

  it('refuses a time outside years 1 to 9999', () => {
    expect(() => microsText(10n ** 18n)).toThrow(RangeError);
  });
});

describe('enumName', () => {
  it('is the lower-case name without the prefix, or the number of an unknown value', () => {
    expect(enumName(eventsV1.RequestStatus, eventsV1.RequestStatus.SUCCEEDED)).toBe('succeeded');
    expect(enumName(eventsV1.CacheStatus, eventsV1.CacheStatus.SEMANTIC_HIT)).toBe('semantic_hit');
    expect(enumName(eventsV1.Operation, eventsV1.Operation.UNSPECIFIED)).toBe('unspecified');
    expect(enumName(eventsV1.RequestStatus, 9)).toBe('9');
  });
});

describe('insertStatement', () => {
  it('is one INSERT ... SELECT FROM unnest with an array parameter per column, skipping stored event ids', () => {
    const statement = insertStatement('requests', requestColumns);
    expect(statement).toMatch(
      /^INSERT INTO requests \(event_id, occurred_at, .*\) SELECT .* FROM unnest\(\$1::text\[\], \$2::timestamptz\[\], .*\) AS batch\(.*\) ON CONFLICT \(event_id\) DO NOTHING$/,
    );
    expect(statement).toContain(`$${requestColumns.length}::${requestColumns[requestColumns.length - 1].type}[]`);
    expect(statement).toContain('metadata::jsonb');
  });
});
