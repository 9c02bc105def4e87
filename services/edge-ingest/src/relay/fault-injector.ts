/** Faults a Bluetooth link shows, injected into the notification stream with seeded randomness. */
export interface FaultOptions {
  /** Share of notifications lost (0–1). */
  loss?: number;
  /** Share of notifications delivered twice in a row (0–1). */
  duplicates?: number;
  /** Share of notifications delivered after the one that follows them (0–1). */
  reordering?: number;
}

export interface FaultCounts {
  lost: number;
  duplicated: number;
  reordered: number;
}

/** A deterministic generator in [0, 1) (mulberry32), so a faulty run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export class FaultInjector {
  readonly counts: FaultCounts = { lost: 0, duplicated: 0, reordered: 0 };
  private held: Buffer | undefined;

  constructor(
    private readonly options: FaultOptions,
    private readonly random: () => number = Math.random,
  ) {
    for (const [name, rate] of Object.entries(options)) {
      if (rate !== undefined && !(rate >= 0 && rate <= 1)) throw new RangeError(`fault rate ${name} must be between 0 and 1`);
    }
  }

  /** One notification in; what the link delivers now, in order. */
  push(notification: Buffer): Buffer[] {
    if (this.random() < (this.options.loss ?? 0)) {
      this.counts.lost++;
      return [];
    }
    const delivered: Buffer[] = [];
    if (this.held) {
      // The held notification arrives after this one: a swap of neighbours.
      delivered.push(notification, this.held);
      this.held = undefined;
    } else if (this.random() < (this.options.reordering ?? 0)) {
      this.counts.reordered++;
      this.held = notification;
      return [];
    } else {
      delivered.push(notification);
    }
    if (this.random() < (this.options.duplicates ?? 0)) {
      this.counts.duplicated++;
      delivered.push(delivered[delivered.length - 1]);
    }
    return delivered;
  }

  /** What is still held back when the stream ends. */
  flush(): Buffer[] {
    const held = this.held ? [this.held] : [];
    this.held = undefined;
    return held;
  }
}
