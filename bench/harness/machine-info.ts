/**
 * What the figures were measured on: the machine, Node, and which build of
 * the gateway (commit, uncommitted changes, and whether `dist/` is older than
 * the sources it is compiled from).
 */

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPOSITORY_ROOT } from './paths';

const WORKSPACES = [
  'packages/proto',
  'packages/shared',
  'packages/events',
  'services/router',
  'services/provider-adapters',
  'services/observability',
  'services/gateway',
];

export interface MachineInfo {
  processors: number;
  cpuModel: string;
  memoryBytes: number;
  node: string;
  platform: string;
  date: string;
}

export interface BuildInfo {
  commit: string;
  /** Uncommitted files under packages/, services/, proto/; undefined without git. */
  uncommittedFiles: number | undefined;
  /** Workspaces whose dist/ is older than their src/. */
  staleWorkspaces: string[];
}

function run(command: string, commandArguments: string[]): string | undefined {
  try {
    return execFileSync(command, commandArguments, { cwd: REPOSITORY_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

export function describeMachine(): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  let memoryBytes = os.totalmem();
  try {
    cpuModel = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m)?.[1] ?? cpuModel;
    const kilobytes = fs.readFileSync('/proc/meminfo', 'utf8').match(/^MemTotal:\s+(\d+) kB$/m)?.[1];
    if (kilobytes) memoryBytes = Number(kilobytes) * 1024;
  } catch {
    // Not Linux: the os module's figures stand.
  }
  return {
    processors: Number(run('nproc', [])) || os.availableParallelism(),
    cpuModel,
    memoryBytes,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
  };
}

function newestModification(directory: string, accept: (name: string) => boolean): number {
  let newest = 0;
  const visit = (current: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(current, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') visit(full);
      } else if (accept(entry.name)) {
        newest = Math.max(newest, fs.statSync(full).mtimeMs);
      }
    }
  };
  visit(directory);
  return newest;
}

export function describeBuild(): BuildInfo {
  const stale: string[] = [];
  for (const workspace of WORKSPACES) {
    const root = path.join(REPOSITORY_ROOT, workspace);
    const source = newestModification(path.join(root, 'src'), (name) => name.endsWith('.ts') && !name.endsWith('.test.ts'));
    const built = newestModification(path.join(root, 'dist'), (name) => name.endsWith('.js'));
    if (source > 0 && source > built) stale.push(workspace);
  }
  const changed = run('git', ['status', '--porcelain', '--', 'packages', 'services', 'proto']);
  return {
    commit: run('git', ['rev-parse', '--short', 'HEAD']) ?? 'unknown',
    uncommittedFiles: changed === undefined ? undefined : changed.split('\n').filter(Boolean).length,
    staleWorkspaces: stale,
  };
}

/** One line for a report: the machine, Node and the build. */
export function describeRun(machine: MachineInfo, build: BuildInfo): string {
  return (
    `${machine.processors} cores (${machine.cpuModel}, ${(machine.memoryBytes / 1024 ** 3).toFixed(1)} GiB, Node ${machine.node}, ${machine.platform}; ` +
    `build: commit ${build.commit} with ${build.uncommittedFiles ?? '?'} uncommitted files under packages/, services/, proto/` +
    `${build.staleWorkspaces.length > 0 ? `, **dist older than src in ${build.staleWorkspaces.join(', ')}**` : ''})`
  );
}
