import { loadMigrations as loadMigrationFiles, type Migration } from '@switchyard/database';

/**
 * The event tables' schema migrations: the `NNNN_<name>.sql` files of this
 * folder, oldest first. The package build copies them beside the compiled
 * code in `dist/`.
 *
 * Adding one: write `000N_<name>.sql` with the next number. A released
 * migration is never edited: the runner refuses to start when an applied
 * migration's text has changed.
 */
export type { Migration };

export function loadMigrations(directory: string = __dirname): Migration[] {
  return loadMigrationFiles(directory, 'npm run build -w @switchyard/observability');
}

export const migrations: readonly Migration[] = loadMigrations();
