import { runMigrations as runMigrationSet, type SqlClient } from '@switchyard/database';
import { migrations as eventMigrations, type Migration } from './migrations';

export { createSchema } from '@switchyard/database';

/** Applies the event tables' migrations (recorded in `schema_migrations`); see `@switchyard/database`. */
export function runMigrations(client: SqlClient, migrations: readonly Migration[] = eventMigrations): Promise<number[]> {
  return runMigrationSet(client, migrations);
}
