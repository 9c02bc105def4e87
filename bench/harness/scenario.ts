/** What every scenario of `bench/scenarios/` is given and gives back; `bench/run.ts` runs them. */

import type { BuildInfo, MachineInfo } from './machine-info';
import type { QuietMachine } from './quiet-machine';

export interface ScenarioOptions {
  /** Short runs: a smoke test, rough figures. */
  quick: boolean;
  /** The gateway's LOG_LEVEL. */
  logLevel: string;
  /** Run the processes under test with `node --cpu-prof` and add a summary of the profiles. */
  cpuProfile: boolean;
  /** publish: sample the gateways' event-loop delay and GC pauses. */
  loopDelay: boolean;
  /** gateway: what to measure besides the mock itself. */
  targets: string[];
  /** publish, consume: repetitions instead of the default. */
  repetitions?: number;
  /** consume, event-store: events instead of the default. */
  events?: number;
  /** soak: seconds of traffic instead of the default (an hour; 20 s with --quick). */
  durationSeconds?: number;
}

export interface ScenarioContext {
  options: ScenarioOptions;
  machine: MachineInfo;
  build: BuildInfo;
  /** Logs, config files, profiles (bench/out, ignored by git). */
  outputDirectory: string;
  /** Waits for other processes on the machine to go quiet, within the scenario's budget. */
  quiet: QuietMachine;
  /** A line of progress on stderr. */
  progress(message: string): void;
}

export interface ScenarioReport {
  markdown: string;
  /** Something did not run (a target did not start): the run exits non-zero. */
  incomplete?: boolean;
}

export interface Scenario {
  name: string;
  /** One line for `--help`. */
  summary: string;
  /** How long, in total, the scenario may wait for a quiet machine. */
  quietBudgetSeconds(options: ScenarioOptions): number;
  run(context: ScenarioContext): Promise<ScenarioReport>;
}
