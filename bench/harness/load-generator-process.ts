/**
 * The supervising side of `load-generator.ts`: forks it, hands it a plan and
 * resolves with its result; every message it sends on the way goes to the
 * scenario's handler, which must answer each `scenario-start` with
 * `proceed()`.
 */

import type { ChildProcess } from 'node:child_process';
import { forkScript, stopChild } from './child-processes';
import type { LoadGeneratorMessage, LoadPlan, ParentMessage, ResultMessage } from './load-generator';
import { harnessScript } from './paths';
import { cpuSeconds } from './proc-readings';

export class LoadGeneratorProcess {
  private readonly child: ChildProcess = forkScript(harnessScript('load-generator'));

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** CPU seconds it has used so far (NaN once it has exited). */
  cpuSeconds(): number {
    return cpuSeconds(this.child.pid);
  }

  onMessage(handler: (message: LoadGeneratorMessage) => void): void {
    this.child.on('message', (message: LoadGeneratorMessage) => handler(message));
  }

  proceed(): void {
    this.send({ type: 'proceed' });
  }

  /** Runs `plan`; resolves with the result, rejects when the load generator fails or exits without one. */
  run(plan: LoadPlan): Promise<ResultMessage> {
    const outcome = new Promise<ResultMessage>((resolve, reject) => {
      this.child.on('message', (message: LoadGeneratorMessage) => {
        if (message.type === 'result') resolve(message);
        else if (message.type === 'failed') reject(new Error(`load generator failed: ${message.error}`));
      });
      this.child.once('exit', (code, signal) => reject(new Error(`load generator exited (${signal ?? `code ${code}`}) without a result`)));
    });
    this.send({ type: 'run', plan });
    return outcome;
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }

  private send(message: ParentMessage): void {
    this.child.send(message);
  }
}
