'use strict';

/**
 * What the figures were measured on: the machine, Node, and which build of
 * the gateway (commit, uncommitted changes, and whether `dist/` is older than
 * the sources it is compiled from).
 */

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { REPOSITORY_ROOT } = require('./fixtures');

const WORKSPACES = ['packages/proto', 'packages/shared', 'services/router', 'services/provider-adapters', 'services/gateway'];

function run(command, commandArguments) {
  try {
    return execFileSync(command, commandArguments, { cwd: REPOSITORY_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

function describeMachine() {
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

function newestModification(directory, accept) {
  let newest = 0;
  const visit = (current) => {
    let entries;
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

function describeBuild() {
  const stale = [];
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

module.exports = { describeMachine, describeBuild };
