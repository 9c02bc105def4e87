/**
 * Where things are. The bench runs compiled (`bench/out/build/`), and its
 * unit tests run from the sources, so the repository root is found by
 * walking up rather than by a fixed number of `..`.
 */

import fs from 'node:fs';
import path from 'node:path';

function findRepositoryRoot(): string {
  for (let directory = __dirname; ; directory = path.dirname(directory)) {
    if (fs.existsSync(path.join(directory, 'bench', 'run.ts'))) return directory;
    if (path.dirname(directory) === directory) throw new Error(`no repository root above ${__dirname}`);
  }
}

export const REPOSITORY_ROOT = findRepositoryRoot();
export const BENCH_DIRECTORY = path.join(REPOSITORY_ROOT, 'bench');
/** Logs, config files, profiles and the reports of quick or profiled runs (ignored by git). */
export const OUTPUT_DIRECTORY = path.join(BENCH_DIRECTORY, 'out');
/** The reports of full runs, one file per scenario, rewritten by each run (committed). */
export const RESULTS_DIRECTORY = path.join(BENCH_DIRECTORY, 'results');

/** A compiled module of the harness, to run as a child process (this file's siblings, after `tsc -p bench`). */
export function harnessScript(name: string): string {
  return path.join(__dirname, `${name}.js`);
}
