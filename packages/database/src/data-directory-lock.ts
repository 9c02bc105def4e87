import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

export class DataDirectoryInUseError extends Error {
  override readonly name = 'DataDirectoryInUseError';
}

/**
 * One process at a time per embedded database: PGlite does not guard its
 * folder, and two processes writing one would corrupt it. The lock is a file
 * beside the folder (`<folder>.lock`) holding the owner's pid; a lock whose process is gone (a
 * crash) is taken over.
 */
export class DataDirectoryLock {
  private constructor(private readonly file: string) {}

  static acquire(directory: string): DataDirectoryLock {
    // Beside the folder, not in it: initdb wants an empty folder.
    const file = `${path.resolve(directory)}.lock`;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = openSync(file, 'wx');
        writeSync(handle, String(process.pid));
        closeSync(handle);
        return new DataDirectoryLock(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const owner = Number(readFileSync(file, 'utf8').trim());
        if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
          throw new DataDirectoryInUseError(
            `The embedded database in ${directory} is in use by process ${owner}. Stop it, or give this process another folder (SWITCHYARD_DATA_DIR).`,
          );
        }
        rmSync(file, { force: true });
      }
    }
    throw new DataDirectoryInUseError(`Could not lock the embedded database in ${directory}.`);
  }

  release(): void {
    rmSync(this.file, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
