/**
 * Summarises V8 CPU profiles (`.cpuprofile`, written by `node --cpu-prof`):
 * self time per function, per file, and per package (with time spent inside
 * Node's own modules charged to the package that called them), as a share of
 * the time the process was busy after start-up. Start-up (loading modules)
 * and idle time are left out. Used by `--cpu-prof` runs.
 */

import fs from 'node:fs';
import path from 'node:path';
import { REPOSITORY_ROOT } from './paths';

/** A V8 `.cpuprofile`, as much of it as is read here. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

interface Context {
  startup: boolean;
  owner: string;
}

const IDLE = '(idle)';
const UNATTRIBUTED = ['(garbage collector)', '(program)'];
const NO_PACKAGE = '(node internals, no package on the stack)';
const MAIN_MODULE = 'node:internal/main/run_main_module';

function shortFile(url: string): string {
  if (!url) return '(native)';
  const file = url.replace(/^file:\/\//, '');
  const modules = file.lastIndexOf('/node_modules/');
  if (modules !== -1) return file.slice(modules + 1);
  if (file.startsWith(REPOSITORY_ROOT)) return path.relative(REPOSITORY_ROOT, file);
  return file;
}

/** `node_modules/<package>`, the workspace (`services/gateway`), `node:<module>` or `(native)`. */
function packageOf(url: string): string {
  if (!url) return '(native)';
  const modules = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (modules) return modules[1];
  if (url.startsWith('node:')) return url;
  const relative = shortFile(url);
  const workspace = relative.match(/^((?:services|packages)\/[^/]+)\//);
  return workspace ? workspace[1] : relative;
}

function isApplicationCode(url: string): boolean {
  return url !== '' && !url.startsWith('node:');
}

/** Self time in microseconds per function (`name file:line`), per file and per calling package. */
function selfTimes(profile: CpuProfile) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  // Per node: whether it runs under start-up, and the innermost package or project frame on its stack.
  const context = new Map<number, Context>();
  const contextOf = (id: number): Context => {
    const known = context.get(id);
    if (known) return known;
    const { callFrame } = nodes.get(id)!;
    const parentId = parents.get(id);
    const parent = parentId !== undefined ? contextOf(parentId) : { startup: false, owner: NO_PACKAGE };
    const found: Context = {
      startup: parent.startup || callFrame.url === MAIN_MODULE,
      owner: isApplicationCode(callFrame.url) ? packageOf(callFrame.url) : parent.owner,
    };
    context.set(id, found);
    return found;
  };
  const byNode = new Map<number, number>();
  const { samples, timeDeltas } = profile;
  // timeDeltas[i + 1] is the time until the next sample: the time spent in samples[i].
  for (let index = 0; index < samples.length; index++) {
    const delta = timeDeltas[index + 1] ?? 0;
    byNode.set(samples[index], (byNode.get(samples[index]) ?? 0) + Math.max(0, delta));
  }
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  let startup = 0;
  for (const [id, micros] of byNode) {
    const { callFrame } = nodes.get(id)!;
    const name = callFrame.functionName || '(anonymous)';
    if (name === IDLE) {
      idle += micros;
      continue;
    }
    const { startup: atStartup, owner } = contextOf(id);
    if (atStartup) {
      startup += micros;
      continue;
    }
    busy += micros;
    const file = shortFile(callFrame.url);
    const key = callFrame.url ? `${name}\t${file}:${callFrame.lineNumber + 1}` : `${name}\t${file}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
    byFile.set(file, (byFile.get(file) ?? 0) + micros);
    // Garbage collection and V8's own work have no JavaScript caller.
    const charged = callFrame.url === '' && UNATTRIBUTED.includes(name) ? name : owner;
    byPackage.set(charged, (byPackage.get(charged) ?? 0) + micros);
  }
  return { byFunction, byFile, byPackage, busy, idle, startup };
}

function top(map: Map<string, number>, busy: number, count: number): { key: string; micros: number; share: number }[] {
  return [...map.entries()]
    .sort((left, right) => right[1] - left[1])
    .slice(0, count)
    .map(([key, micros]) => ({ key, micros, share: (micros / busy) * 100 }));
}

/** Markdown tables of the hottest functions and files in one profile file. */
function summarizeProfile(file: string, count = 25): string {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const { byFunction, byFile, byPackage, busy, idle, startup } = selfTimes(profile);
  const lines = [
    `#### ${path.join(path.basename(path.dirname(file)), path.basename(file))}`,
    '',
    `Busy ${(busy / 1e6).toFixed(1)} s after start-up (start-up ${(startup / 1e6).toFixed(1)} s and idle ${(idle / 1e6).toFixed(1)} s left out). Shares are of the busy time.`,
    '',
    "By package, with time inside Node's own modules and native code charged to the package whose code called it:",
    '',
    '| self % | package |',
    '| ---: | --- |',
    ...top(byPackage, busy, 15).map(({ key, share }) => `| ${share.toFixed(1)} | ${key} |`),
    '',
    'By function:',
    '',
    '| self % | function | file:line |',
    '| ---: | --- | --- |',
    ...top(byFunction, busy, count).map(({ key, share }) => {
      const [name, location] = key.split('\t');
      return `| ${share.toFixed(1)} | \`${name}\` | ${location} |`;
    }),
    '',
    'By file:',
    '',
    '| self % | file |',
    '| ---: | --- |',
    ...top(byFile, busy, 15).map(({ key, share }) => `| ${share.toFixed(1)} | ${key} |`),
  ];
  return lines.join('\n');
}

/** The `.cpuprofile` files of `target`: itself, or those in it and in its folders (one per process). */
function profileFiles(target: string): string[] {
  if (fs.statSync(target).isDirectory()) {
    return fs
      .readdirSync(target)
      .sort()
      .flatMap((name) => {
        const entry = path.join(target, name);
        if (fs.statSync(entry).isDirectory()) return profileFiles(entry);
        return name.endsWith('.cpuprofile') ? [entry] : [];
      });
  }
  return [target];
}

/** The summaries of every `.cpuprofile` in `targets` (files or directories), one after the other. */
export function summarizeProfiles(targets: string[], count?: number): string {
  return targets
    .flatMap(profileFiles)
    .map((file) => summarizeProfile(file, count))
    .join('\n\n');
}
