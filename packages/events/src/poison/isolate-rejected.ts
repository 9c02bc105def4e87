import { classifyWriteFailure, describeWriteFailure, type WriteFailure } from './write-failure';

/** An item a store refused for its content, and why. */
export interface RejectedItem<Item> {
  item: Item;
  /** `WriteFailure.reason`, or `event_too_large` for an item over `maxItemBytes`. */
  reason: string;
  /** The store's own message. */
  message: string;
  /** What the write threw (absent for an item over `maxItemBytes`). */
  error?: unknown;
}

export interface IsolateOptions<Item> {
  /** Items in one write at most. */
  maxItems: number;
  /** Bytes (as `sizeOf` counts them) in one write at most; an item larger on its own is written alone. */
  maxBytes: number;
  /** An item larger than this is rejected (`event_too_large`) without being written. */
  maxItemBytes: number;
  sizeOf(item: Item): number;
  /** Writes the items, all or none; idempotent, since a part may be written again. */
  write(items: Item[]): Promise<void>;
}

/** A transient failure met while isolating: the caller retries the whole batch after a backoff. */
export class TransientWriteError extends Error {
  override readonly name = 'TransientWriteError';
  constructor(
    readonly failure: WriteFailure,
    override readonly cause: unknown,
  ) {
    super(describeWriteFailure(cause));
  }
}

/**
 * Writes `items` in parts bounded in count and bytes, so that no store is
 * handed more than it can hold, and sets aside what a store refuses for its
 * content: a part that is rejected (or runs out of memory twice) is split
 * in halves, each written on its own, down to the single items at fault,
 * which are returned; every other item is written. A batch of n items with
 * one bad item costs about 2·log2(n) extra writes.
 *
 * A transient failure throws `TransientWriteError`: the caller waits and
 * calls again with the same items; parts already written are written again,
 * which the store's idempotence makes harmless.
 */
export async function writeIsolatingRejected<Item>(items: readonly Item[], options: IsolateOptions<Item>): Promise<Array<RejectedItem<Item>>> {
  const rejected: Array<RejectedItem<Item>> = [];
  const writable: Item[] = [];
  // Each item is measured once: the sizes are reused to cut the parts.
  const sizes: number[] = [];
  for (const item of items) {
    const bytes = options.sizeOf(item);
    if (bytes > options.maxItemBytes) {
      rejected.push({ item, reason: 'event_too_large', message: `The event is ${bytes} bytes, over the limit of ${options.maxItemBytes}.` });
    } else {
      writable.push(item);
      sizes.push(bytes);
    }
  }
  for (const part of partitionMeasured(writable, sizes, options)) await isolate(part, options, rejected);
  return rejected;
}

async function isolate<Item>(items: Item[], options: IsolateOptions<Item>, rejected: Array<RejectedItem<Item>>): Promise<void> {
  let failure: WriteFailure | undefined;
  let lastError: unknown;
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      await options.write(items);
      return;
    } catch (error) {
      lastError = error;
      failure = classifyWriteFailure(error);
      if (failure.kind === 'transient') throw new TransientWriteError(failure, error);
      // A rejection is certain at once; running out of memory earns one more try.
      if (failure.kind === 'rejected') break;
    }
  }
  if (items.length === 1) {
    rejected.push({ item: items[0], reason: failure!.reason, message: describeWriteFailure(lastError), error: lastError });
    return;
  }
  const middle = items.length >>> 1;
  await isolate(items.slice(0, middle), options, rejected);
  await isolate(items.slice(middle), options, rejected);
}

/** Consecutive parts of at most `maxItems` items and `maxBytes` bytes (an item larger alone is a part of its own). */
export function partition<Item>(items: readonly Item[], options: Pick<IsolateOptions<Item>, 'maxItems' | 'maxBytes' | 'sizeOf'>): Item[][] {
  return partitionMeasured(
    items,
    items.map((item) => options.sizeOf(item)),
    options,
  );
}

/** `partition`, with each item's size already known (`sizes[i]` of `items[i]`). */
function partitionMeasured<Item>(
  items: readonly Item[],
  sizes: readonly number[],
  options: Pick<IsolateOptions<Item>, 'maxItems' | 'maxBytes'>,
): Item[][] {
  const parts: Item[][] = [];
  let current: Item[] = [];
  let bytes = 0;
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    const size = sizes[index];
    if (current.length > 0 && (current.length >= options.maxItems || bytes + size > options.maxBytes)) {
      parts.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) parts.push(current);
  return parts;
}
