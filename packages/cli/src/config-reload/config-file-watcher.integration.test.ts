import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { waitFor } from '../../../../test/support/wait-for';
import { ConfigFileWatcher } from './config-file-watcher';

const logger = pino({ level: 'silent' });

describe('ConfigFileWatcher (a real file system)', () => {
  let directory: string;
  let watcher: ConfigFileWatcher | undefined;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'switchyard-config-watch-'));
  });

  afterEach(() => {
    watcher?.close();
    watcher = undefined;
    rmSync(directory, { recursive: true, force: true });
  });

  async function watch(path: string, pollIntervalMs: number): Promise<{ changes: () => number }> {
    let changes = 0;
    watcher = new ConfigFileWatcher({ path, debounceMs: 20, pollIntervalMs, onChange: () => (changes += 1), logger });
    await watcher.start();
    return { changes: () => changes };
  }

  it('notices a file written in place', async () => {
    const path = join(directory, 'switchyard.yaml');
    writeFileSync(path, 'routes: {}\n');
    const { changes } = await watch(path, 0);

    writeFileSync(path, 'routes: { chat: { provider: openai, model: gpt-4o } }\n');

    await waitFor(changes, (count) => count >= 1, { timeoutMs: 10_000, what: 'the in-place write to be noticed', intervalMs: 10 });
  });

  it('notices a file replaced by a rename, as editors and deploy tools write it, and keeps watching', async () => {
    const path = join(directory, 'switchyard.yaml');
    writeFileSync(path, 'routes: {}\n');
    const { changes } = await watch(path, 0);

    for (const expected of [1, 2]) {
      writeFileSync(join(directory, '.switchyard.yaml.tmp'), `# version ${expected}\nroutes: {}\n`);
      renameSync(join(directory, '.switchyard.yaml.tmp'), path);
      await waitFor(changes, (count) => count >= expected, { timeoutMs: 10_000, what: `replacement ${expected} to be noticed`, intervalMs: 10 });
    }
  });

  it('notices, by polling, a file reached through a symlink that is swapped (a Kubernetes ConfigMap)', async () => {
    // config/switchyard.yaml -> ..data/switchyard.yaml; ..data -> a dated directory that the update replaces.
    mkdirSync(join(directory, 'v1'));
    mkdirSync(join(directory, 'v2'));
    writeFileSync(join(directory, 'v1', 'switchyard.yaml'), 'routes: {}\n');
    writeFileSync(join(directory, 'v2', 'switchyard.yaml'), '# the update\nroutes: {}\n');
    symlinkSync('v1', join(directory, '..data'));
    symlinkSync(join('..data', 'switchyard.yaml'), join(directory, 'switchyard.yaml'));
    const { changes } = await watch(join(directory, 'switchyard.yaml'), 25);

    symlinkSync('v2', join(directory, '..data_tmp'));
    renameSync(join(directory, '..data_tmp'), join(directory, '..data'));

    await waitFor(changes, (count) => count >= 1, { timeoutMs: 10_000, what: 'the swapped symlink to be noticed', intervalMs: 10 });
  });

  it('notices a file that appears after the start', async () => {
    const path = join(directory, 'switchyard.yaml');
    const { changes } = await watch(path, 25);

    writeFileSync(path, 'routes: {}\n');

    await waitFor(changes, (count) => count >= 1, { timeoutMs: 10_000, what: 'the new file to be noticed', intervalMs: 10 });
  });
});
