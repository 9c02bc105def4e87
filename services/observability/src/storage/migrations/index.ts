import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The schema migrations: the `NNNN_<name>.sql` files of this folder, oldest
 * first. The package build copies them beside the compiled code in `dist/`.
 *
 * Adding one: write `000N_<name>.sql` with the next number. A released
 * migration is never edited: the runner refuses to start when an applied
 * migration's text has changed.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export function loadMigrations(directory: string = __dirname): Migration[] {
  const files = readdirSync(directory)
    .filter((file) => MIGRATION_FILE.test(file))
    .sort();
  if (files.length === 0) {
    throw new Error(`No migrations found in ${directory}: the build copies them there (npm run build -w @switchyard/observability).`);
  }
  return files.map((file) => {
    const [, version, name] = file.match(MIGRATION_FILE)!;
    return { version: Number(version), name, sql: readFileSync(path.join(directory, file), 'utf8') };
  });
}

export const migrations: readonly Migration[] = loadMigrations();
