import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * One schema migration: `NNNN_<name>.sql` in a package's migrations folder.
 * A released migration is never edited: the runner refuses to start when an
 * applied migration's text has changed; the change goes in a new file.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/**
 * The `NNNN_<name>.sql` files of `directory`, oldest first. `buildHint` says
 * how the files get there when none are found (a package build copies them
 * beside its compiled code in `dist/`).
 */
export function loadMigrations(directory: string, buildHint: string): Migration[] {
  const files = readdirSync(directory)
    .filter((file) => MIGRATION_FILE.test(file))
    .sort();
  if (files.length === 0) throw new Error(`No migrations found in ${directory}: the build copies them there (${buildHint}).`);
  return files.map((file) => {
    const [, version, name] = file.match(MIGRATION_FILE)!;
    return { version: Number(version), name, sql: readFileSync(path.join(directory, file), 'utf8') };
  });
}
