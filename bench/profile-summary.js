'use strict';

/**
 * Summarises V8 CPU profiles (`.cpuprofile`, written by `node --cpu-prof`):
 * self time per function and per file, as a share of the time the process
 * was not idle. Usable alone: `node bench/profile-summary.js FILE_OR_DIRECTORY...`
 */

const fs = require('node:fs');
const path = require('node:path');
const { REPOSITORY_ROOT } = require('./fixtures');

const IDLE = new Set(['(idle)']);

function shortFile(url) {
  if (!url) return '(native)';
  const file = url.replace(/^file:\/\//, '');
  const modules = file.lastIndexOf('/node_modules/');
  if (modules !== -1) return file.slice(modules + 1);
  if (file.startsWith(REPOSITORY_ROOT)) return path.relative(REPOSITORY_ROOT, file);
  return file;
}

/** Self time in microseconds per function (`name file:line`) and per file. */
function selfTimes(profile) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byNode = new Map();
  const { samples, timeDeltas } = profile;
  // timeDeltas[i + 1] is the time until the next sample: the time spent in samples[i].
  for (let index = 0; index < samples.length; index++) {
    const delta = timeDeltas[index + 1] ?? 0;
    byNode.set(samples[index], (byNode.get(samples[index]) ?? 0) + Math.max(0, delta));
  }
  const byFunction = new Map();
  const byFile = new Map();
  let busy = 0;
  let idle = 0;
  for (const [id, micros] of byNode) {
    const { callFrame } = nodes.get(id);
    const name = callFrame.functionName || '(anonymous)';
    if (IDLE.has(name)) {
      idle += micros;
      continue;
    }
    busy += micros;
    const file = shortFile(callFrame.url);
    const key = callFrame.url ? `${name}\t${file}:${callFrame.lineNumber + 1}` : `${name}\t${file}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
    byFile.set(file, (byFile.get(file) ?? 0) + micros);
  }
  return { byFunction, byFile, busy, idle };
}

function top(map, busy, count) {
  return [...map.entries()]
    .sort((left, right) => right[1] - left[1])
    .slice(0, count)
    .map(([key, micros]) => ({ key, micros, share: (micros / busy) * 100 }));
}

/** Markdown tables of the hottest functions and files in one profile file. */
function summarizeProfile(file, count = 25) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const { byFunction, byFile, busy, idle } = selfTimes(profile);
  const lines = [
    `#### ${path.basename(file)}`,
    '',
    `Busy ${(busy / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s. Shares are of busy time.`,
    '',
    '| self % | function | file:line |',
    '| ---: | --- | --- |',
    ...top(byFunction, busy, count).map(({ key, share }) => {
      const [name, location] = key.split('\t');
      return `| ${share.toFixed(1)} | \`${name}\` | ${location} |`;
    }),
    '',
    '| self % | file |',
    '| ---: | --- |',
    ...top(byFile, busy, 15).map(({ key, share }) => `| ${share.toFixed(1)} | ${key} |`),
  ];
  return lines.join('\n');
}

function profileFiles(target) {
  if (fs.statSync(target).isDirectory()) {
    return fs
      .readdirSync(target)
      .filter((name) => name.endsWith('.cpuprofile'))
      .sort()
      .map((name) => path.join(target, name));
  }
  return [target];
}

function summarizeProfiles(targets, count) {
  return targets.flatMap(profileFiles).map((file) => summarizeProfile(file, count)).join('\n\n');
}

if (require.main === module) {
  const targets = process.argv.slice(2);
  if (targets.length === 0) {
    process.stderr.write('usage: node bench/profile-summary.js FILE_OR_DIRECTORY...\n');
    process.exit(2);
  }
  process.stdout.write(`${summarizeProfiles(targets)}\n`);
}

module.exports = { summarizeProfiles };
