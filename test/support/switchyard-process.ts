import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { waitFor } from './wait-for';

/** The built `switchyard` command, run as a user runs it. */
export const SWITCHYARD_CLI = path.resolve(__dirname, '../../packages/cli/dist/cli.js');

/** A `switchyard` child process and everything it printed so far. */
export interface SwitchyardProcess {
  child: ChildProcess;
  output(): string;
}

/**
 * Starts `switchyard --config <config>` on `port` with only PATH, LOG_LEVEL
 * (warn) and the given variables in its environment; every process started
 * is kept in `started`, for the suite's afterAll to stop.
 */
export function startSwitchyardProcess(
  started: ChildProcess[],
  options: { config: string; port: number; env: Record<string, string> },
): SwitchyardProcess {
  let output = '';
  const child = spawn(process.execPath, [SWITCHYARD_CLI, '--config', options.config], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', PORT: String(options.port), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  child.stdout?.on('data', (data) => (output += data));
  child.stderr?.on('data', (data) => (output += data));
  return { child, output: () => output };
}

/** Waits until `url` answers 200; fails with the process's output after 60 s. */
export async function waitUntilReady(url: string, output: () => string): Promise<void> {
  const status = () =>
    fetch(url).then(
      (response) => response.status,
      () => 0,
    );
  await waitFor(status, (code) => code === 200, { timeoutMs: 60_000, what: url, intervalMs: 50 }).catch(() => {
    throw new Error(`not ready: ${url}\n${output()}`);
  });
}

/** SIGTERM, then SIGKILL after 20 s; resolves when the process has exited. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  try {
    await exited;
  } finally {
    clearTimeout(killer);
  }
}
