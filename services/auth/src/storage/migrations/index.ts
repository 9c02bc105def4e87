import { loadMigrations as loadMigrationFiles, type Migration } from '@switchyard/database';

/**
 * The governance tables' migrations (organizations, workspaces, members, API
 * keys): the `NNNN_<name>.sql` files of this folder, recorded in
 * `auth_migrations`. A released migration is never edited; a change goes in
 * the next number.
 */
export function loadGovernanceMigrations(directory: string = __dirname): Migration[] {
  return loadMigrationFiles(directory, 'npm run build -w @switchyard/auth');
}

export const GOVERNANCE_MIGRATIONS_TABLE = 'auth_migrations';
