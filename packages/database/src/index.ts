export {
  createPgliteClient,
  createPostgresClient,
  quoteIdentifier,
  type PgliteClientOptions,
  type PostgresClientOptions,
  type SqlClient,
  type SqlExecutor,
} from './sql-client';
export { DataDirectoryInUseError, DataDirectoryLock } from './data-directory-lock';
export { createSchema, runMigrations, type MigrationOptions } from './run-migrations';
export { loadMigrations, type Migration } from './load-migrations';
