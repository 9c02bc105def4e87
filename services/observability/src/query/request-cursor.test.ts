import { GatewayError } from '@switchyard/shared';
import { decodeCursor, encodeCursor } from './request-cursor';

describe('request cursor', () => {
  it.each([
    { occurredAtMicros: 1_740_830_400_123_456n, eventId: 'evt-1' },
    { occurredAtMicros: -1n, eventId: 'ünïcödé 🚀 "quoted"' },
    { occurredAtMicros: 0n, eventId: '' },
  ])('decodes what it encoded: %p', (cursor) => {
    const encoded = encodeCursor(cursor);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(encoded)).toEqual(cursor);
  });

  it.each(['', '!!!', 'e30', encodeCursor({ occurredAtMicros: 1n, eventId: 'x' }).slice(1)])('rejects %p naming the cursor parameter', (cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(GatewayError);
    try {
      decodeCursor(cursor);
    } catch (error) {
      expect(error).toMatchObject({ status: 400, param: 'cursor' });
    }
  });
});
