import { partition, TransientWriteError, writeIsolatingRejected } from './isolate-rejected';

const dataException = () => Object.assign(new Error('invalid input syntax for type json'), { code: '22P02' });

/** A store that refuses any write holding a `bad` item, and records what it wrote. */
function store(options: { transientFailures?: number; outOfMemoryAbove?: number } = {}) {
  const written: string[] = [];
  const writes: string[][] = [];
  let transient = options.transientFailures ?? 0;
  return {
    written,
    writes,
    write: async (items: string[]) => {
      writes.push(items);
      if (transient > 0) {
        transient--;
        throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
      }
      if (items.some((item) => item.startsWith('bad'))) throw dataException();
      if (options.outOfMemoryAbove !== undefined && items.length > options.outOfMemoryAbove) {
        throw Object.assign(new Error('out of memory'), { code: '53200' });
      }
      written.push(...items);
    },
  };
}

const options = { maxItems: 100, maxBytes: 1_000, maxItemBytes: 50, sizeOf: (item: string) => item.length };

describe('writeIsolatingRejected', () => {
  it('writes every good item and returns the bad ones, with the reason, whatever their place', async () => {
    const items = Array.from({ length: 16 }, (_, index) => (index === 5 || index === 11 ? `bad-${index}` : `ok-${index}`));
    const target = store();
    const rejected = await writeIsolatingRejected(items, { ...options, write: target.write });
    expect(rejected.map(({ item, reason }) => [item, reason])).toEqual([
      ['bad-5', 'data_exception'],
      ['bad-11', 'data_exception'],
    ]);
    expect(rejected[0].message).toBe('invalid input syntax for type json');
    expect(target.written.sort()).toEqual(items.filter((item) => item.startsWith('ok')).sort());
    // Bisection, not one write per item.
    expect(target.writes.length).toBeLessThan(items.length);
  });

  it('rejects an item over maxItemBytes without writing it', async () => {
    const target = store();
    const rejected = await writeIsolatingRejected(['ok-1', 'x'.repeat(51), 'ok-2'], { ...options, write: target.write });
    expect(rejected).toEqual([{ item: 'x'.repeat(51), reason: 'event_too_large', message: expect.stringContaining('51 bytes') }]);
    expect(target.written).toEqual(['ok-1', 'ok-2']);
  });

  it('throws a transient failure for the caller to retry, and writes everything when called again', async () => {
    const target = store({ transientFailures: 1 });
    await expect(writeIsolatingRejected(['ok-1', 'ok-2'], { ...options, write: target.write })).rejects.toBeInstanceOf(TransientWriteError);
    await expect(writeIsolatingRejected(['ok-1', 'ok-2'], { ...options, write: target.write })).resolves.toEqual([]);
    expect(target.written).toEqual(['ok-1', 'ok-2']);
  });

  it('tries a batch that ran out of memory once more, then bisects it until the parts fit', async () => {
    const target = store({ outOfMemoryAbove: 2 });
    const items = ['ok-1', 'ok-2', 'ok-3', 'ok-4', 'ok-5'];
    await expect(writeIsolatingRejected(items, { ...options, write: target.write })).resolves.toEqual([]);
    expect(target.written.sort()).toEqual(items);
    expect(target.writes[0]).toEqual(items);
    expect(target.writes[1]).toEqual(items);
  });

  it('splits a batch into parts bounded in count and in bytes', () => {
    const sizes = { maxItems: 3, maxBytes: 10, sizeOf: (item: string) => item.length };
    expect(partition(['aaaa', 'bbbb', 'cc', 'd', 'e', 'f'], sizes)).toEqual([
      ['aaaa', 'bbbb', 'cc'],
      ['d', 'e', 'f'],
    ]);
    expect(partition(['x'.repeat(20), 'a'], sizes)).toEqual([['x'.repeat(20)], ['a']]);
    expect(partition(['aaaaaa', 'bbbbbb'], sizes)).toEqual([['aaaaaa'], ['bbbbbb']]);
    expect(partition([], sizes)).toEqual([]);
  });
});
