'use strict';

/**
 * Every process the benchmark starts is registered here, so that none
 * outlives the run: on a normal end, an error, or Ctrl-C they are all
 * killed. Also reads what Linux knows about a process (peak RSS, CPU time).
 */

const { spawn, fork, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const { once } = require('node:events');
const { setTimeout: sleep } = require('node:timers/promises');

const running = new Set();

function register(child) {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

function hasExited(child) {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Kills every child still running, at once; safe inside an `exit` handler. */
function killAll() {
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
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\nbench: ${signal}, stopping every child process\n`);
    killAll();
    process.exit(130);
  });
}

/** Starts a Node script with an IPC channel; its output goes to the benchmark's stderr. */
function forkScript(script, scriptArguments = [], options = {}) {
  return register(fork(script, scriptArguments, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], ...options }));
}

/** Starts `node ...nodeArguments` with stdout and stderr appended to `logFile`. */
function spawnNode(nodeArguments, { env, logFile, cwd }) {
  const log = fs.openSync(logFile, 'a');
  try {
    return register(spawn(process.execPath, nodeArguments, { cwd, env, stdio: ['ignore', log, log] }));
  } finally {
    fs.closeSync(log);
  }
}

/** The load generator's first `result` or `failed` message; fails if it exits without one. Call before sending it the plan. */
function loadGeneratorOutcome(loadGenerator) {
  return new Promise((resolve, reject) => {
    loadGenerator.on('message', (message) => {
      if (message.type === 'result' || message.type === 'failed') resolve(message);
    });
    loadGenerator.once('exit', (code, signal) => reject(new Error(`load generator exited (${signal ?? `code ${code}`}) without a result`)));
  });
}

/** Waits for the first IPC message of `type`; fails if the child exits first. */
function nextMessage(child, type, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no "${type}" message within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message) => {
      if (message?.type === type) done(null, message);
    };
    const onExit = (code, signal) => done(new Error(`child exited (${signal ?? `code ${code}`}) before sending "${type}"`));
    function done(error, message) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(message);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Asks `child` to stop with SIGTERM and kills it if it has not exited after `graceMs`. */
async function stopChild(child, graceMs = 5_000) {
  if (hasExited(child)) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A port that was free a moment ago on 127.0.0.1. */
async function freePort() {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/** Resolves once something accepts TCP connections on `port`; fails if `child` exits first. */
async function waitForPort(port, child, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited(child)) throw new Error(`process exited (code ${child.exitCode ?? child.signalCode}) before listening on port ${port}`);
    const connected = await new Promise((resolve) => {
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

/** Peak resident set size of a running process, in bytes (`VmHWM`). */
function peakRssBytes(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = status.match(/^VmHWM:\s+(\d+)\s+kB$/m);
  return match ? Number(match[1]) * 1024 : NaN;
}

let clockTicks;

function clockTicksPerSecond() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/**
 * User plus system CPU time a running process has used so far, in seconds;
 * with `tid`, only that thread of it (the main thread's id is the pid).
 */
function cpuSeconds(pid, tid) {
  try {
    const stat = fs.readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    // Fields after the command name, which may itself hold spaces: state is field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond();
  } catch {
    return NaN;
  }
}

/**
 * CPU time used so far on the whole machine, all CPUs, in seconds: `busy` by
 * every process and the kernel, `stolen` by the hypervisor for other guests.
 */
function machineCpuSeconds() {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal; guest time is already inside user.
    const [user, nice, system, , , irq, softirq, steal = 0] = fields;
    const ticks = clockTicksPerSecond();
    return { busy: (user + nice + system + irq + softirq) / ticks, stolen: steal / ticks };
  } catch {
    return { busy: NaN, stolen: NaN };
  }
}

/** The last `lines` lines of a log file, for error messages. */
function tailOf(file, lines = 20) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

module.exports = {
  forkScript,
  loadGeneratorOutcome,
  spawnNode,
  nextMessage,
  stopChild,
  hasExited,
  freePort,
  waitForPort,
  peakRssBytes,
  clockTicksPerSecond,
  cpuSeconds,
  machineCpuSeconds,
  tailOf,
};
