import { gcraAdjust, gcraCharge, type BucketAdjustment, type BucketCharge, type ChargeResult, type RateLimiter } from './rate-limiter';

/** Buckets swept for full ones (which hold no information) once per this many charges. */
const SWEEP_EVERY = 10_000;

/** GCRA buckets in this process's memory: limits hold for one process only. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly tats = new Map<string, number>();
  private charges = 0;

  constructor(private readonly now: () => number = Date.now) {}

  charge(charges: readonly BucketCharge[]): Promise<ChargeResult> {
    return Promise.resolve(this.chargeNow(charges));
  }

  /** The same as `charge`, synchronously (no I/O here). */
  chargeNow(charges: readonly BucketCharge[]): ChargeResult {
    const now = this.now();
    if (++this.charges % SWEEP_EVERY === 0) this.sweep(now);
    const steps = charges.map((charge) => gcraCharge(this.tats.get(charge.key), now, charge));
    let retryAfterMs = 0;
    for (const step of steps) if (!step.allowed) retryAfterMs = Math.max(retryAfterMs, step.retryAfterMs);
    const admitted = steps.every((step) => step.allowed);
    if (admitted) charges.forEach((charge, index) => this.tats.set(charge.key, steps[index].tat));
    return { admitted, retryAfterMs, refused: steps.findIndex((step) => !step.allowed), states: steps.map((step) => step.state) };
  }

  adjust(adjustments: readonly BucketAdjustment[]): Promise<void> {
    const now = this.now();
    for (const adjustment of adjustments) this.tats.set(adjustment.key, gcraAdjust(this.tats.get(adjustment.key), now, adjustment));
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.tats.clear();
    return Promise.resolve();
  }

  private sweep(now: number): void {
    for (const [key, tat] of this.tats) if (tat <= now) this.tats.delete(key);
  }
}
