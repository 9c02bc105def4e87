/**
 * jest globalSetup: runs the incremental build (turbo: proto generation + `tsc -b`, cached) before any
 * suite. jest compiles the test files and the sources they import on the fly, but some code runs
 * outside jest's module registry and can only be loaded as built JavaScript: the Kafka publisher's
 * worker thread (`packages/events/dist/publisher-thread/kafka-publisher-worker.js`) and the
 * `switchyard` command that the CLI end-to-end suites spawn (`packages/cli/dist/cli.js`). Building
 * here makes them the current source, never a stale `dist/`. It is the build a user runs; with nothing
 * changed it takes a second or two (turbo's cache). Building the whole tree is simpler and sturdier than
 * compiling single entries: a worker entry imports half the tree. (The PGlite thread needs nothing: its
 * code is a string in its source file.)
 */
import { execFile } from 'node:child_process';
import path from 'node:path';

export default async function buildBeforeTests(): Promise<void> {
  const root = path.resolve(__dirname, '../..');
  const turbo = path.join(root, 'node_modules', '.bin', 'turbo');
  await new Promise<void>((resolve, reject) => {
    execFile(
      turbo,
      ['run', 'build', '--output-logs=errors-only'],
      { cwd: root, env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`The build before the tests failed (npx turbo run build):\n${stdout}${stderr}`));
        else resolve();
      },
    );
  });
}
