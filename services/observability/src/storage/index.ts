export { createPgliteClient, createPostgresClient, quoteIdentifier, type SqlClient, type SqlExecutor } from '@switchyard/database';
export * from './event-store';
export * from './event-database';
export { createSchema, runMigrations } from './run-migrations';
export { loadMigrations, migrations, type Migration } from './migrations';
export * from './dead-letter-store';
