/**
 * Every process the benchmark starts is registered here, so that none
 * outlives the run: on a normal end, an error, or Ctrl-C they are all
 * killed. Also: waiting for a child's IPC message or its port.
 */

import { type ChildProcess, type ForkOptions, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const running = new Set<ChildProcess>();

function register<Child extends ChildProcess>(child: Child): Child {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Kills every child still running, at once; safe inside an `exit` handler. */
function killAll(): void {
  for (const child of running) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

let stopping = false;
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\nbench: ${signal}, stopping every child process\n`);
    killAll();
    process.exit(130);
  });
}

/** Starts a Node script with an IPC channel; its output goes to the benchmark's stderr unless `options.stdio` says otherwise. */
export function forkScript(script: string, scriptArguments: string[] = [], options: ForkOptions = {}): ChildProcess {
  return register(fork(script, scriptArguments, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], ...options }));
}

/** Starts `node ...nodeArguments` with stdout and stderr appended to `logFile`. */
export function spawnNode(nodeArguments: string[], { env, logFile, cwd }: { env: NodeJS.ProcessEnv; logFile: string; cwd: string }): ChildProcess {
  const log = fs.openSync(logFile, 'a');
  try {
    return register(spawn(process.execPath, nodeArguments, { cwd, env, stdio: ['ignore', log, log] }));
  } finally {
    fs.closeSync(log);
  }
}

/** An IPC message: every message of the harness names its `type`. */
export interface TypedMessage {
  type: string;
}

function isTyped(message: unknown): message is TypedMessage {
  return typeof message === 'object' && message !== null && typeof (message as TypedMessage).type === 'string';
}

/** Waits for the first IPC message of `type`; fails if the child exits first or after `timeoutMs`. */
export function nextMessage<Message extends TypedMessage>(child: ChildProcess, type: Message['type'], timeoutMs = 30_000): Promise<Message> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no "${type}" message within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: unknown): void => {
      if (isTyped(message) && message.type === type) done(undefined, message as Message);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      done(new Error(`child exited (${signal ?? `code ${code}`}) before sending "${type}"`));
    function done(error: Error | undefined, message?: Message): void {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(message as Message);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Asks `child` to stop with SIGTERM and kills it if it has not exited after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (hasExited(child)) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** Resolves once something accepts TCP connections on `port`; fails if `child` exits first. */
export async function waitForPort(port: number, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited(child)) throw new Error(`process exited (code ${child.exitCode ?? child.signalCode}) before listening on port ${port}`);
    const connected = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (connected) return;
    await sleep(100);
  }
  throw new Error(`nothing listening on port ${port} after ${timeoutMs} ms`);
}

/** The last `lines` lines of a log file, for error messages. */
export function tailOf(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
