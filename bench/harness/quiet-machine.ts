/**
 * Other engineers' builds and tests share the benchmark machine. Before each
 * measurement a scenario waits for a half second in which the whole machine
 * used less than a quarter of a core (the processes under test are idle at
 * that point), within a waiting budget for the whole scenario, and keeps the
 * last figure seen, in cores, for its report.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { machineCpuSeconds } from './proc-readings';

/** A machine using less than this many cores counts as quiet. */
export const QUIET_CORES = 0.25;
const SAMPLE_SECONDS = 0.5;

export class QuietMachine {
  private budgetLeft: number;

  /** `budgetSeconds`: how long, in total, this may wait for other processes to go quiet. */
  constructor(
    budgetSeconds: number,
    private readonly progress: (message: string) => void,
  ) {
    this.budgetLeft = budgetSeconds;
  }

  /** Resolves with the cores the machine used in the last half second it watched. */
  async wait(): Promise<number> {
    let warned = false;
    for (;;) {
      const before = machineCpuSeconds().busy;
      await sleep(SAMPLE_SECONDS * 1000);
      const cores = (machineCpuSeconds().busy - before) / SAMPLE_SECONDS;
      if (!(cores >= QUIET_CORES)) return cores;
      if (this.budgetLeft <= 0) {
        if (!warned)
          this.progress(`warning: the machine is busy (${cores.toFixed(2)} cores in use) and the waiting budget is spent; measuring anyway`);
        return cores;
      }
      if (!warned) this.progress(`waiting for other processes to go quiet (${cores.toFixed(2)} cores in use)`);
      warned = true;
      this.budgetLeft -= SAMPLE_SECONDS;
    }
  }
}
