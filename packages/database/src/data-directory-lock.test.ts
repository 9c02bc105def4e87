import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DataDirectoryInUseError, DataDirectoryLock } from './data-directory-lock';

describe('DataDirectoryLock', () => {
  const folder = () => path.join(mkdtempSync(path.join(tmpdir(), 'switchyard-lock-')), 'data');

  it('writes the pid beside the folder and removes it on release', () => {
    const directory = folder();
    const lock = DataDirectoryLock.acquire(directory);
    expect(readFileSync(`${directory}.lock`, 'utf8')).toBe(String(process.pid));
    lock.release();
    expect(existsSync(`${directory}.lock`)).toBe(false);
  });

  it('refuses a folder that a live process holds, naming the process', async () => {
    const directory = folder();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    await once(holder, 'spawn');
    try {
      writeFileSync(`${directory}.lock`, String(holder.pid));
      expect(() => DataDirectoryLock.acquire(directory)).toThrow(DataDirectoryInUseError);
      expect(() => DataDirectoryLock.acquire(directory)).toThrow(`in use by process ${holder.pid}`);
    } finally {
      holder.kill();
    }
  });

  it('takes over the lock of a process that is gone', async () => {
    const directory = folder();
    const gone = spawn(process.execPath, ['-e', '0']);
    await once(gone, 'exit');
    writeFileSync(`${directory}.lock`, String(gone.pid));
    const lock = DataDirectoryLock.acquire(directory);
    expect(readFileSync(`${directory}.lock`, 'utf8')).toBe(String(process.pid));
    lock.release();
  });
});
