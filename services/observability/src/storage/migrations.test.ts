import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { migrations } from './migrations';

describe('migrations', () => {
  const directory = path.join(__dirname, 'migrations');
  const files = readdirSync(directory).filter((file) => file.endsWith('.sql'));

  it('embeds every .sql file of migrations/, byte for byte, as version and name', () => {
    expect(migrations.map(({ version, name }) => `${String(version).padStart(4, '0')}_${name}.sql`)).toEqual(files.sort());
    for (const migration of migrations) {
      const file = `${String(migration.version).padStart(4, '0')}_${migration.name}.sql`;
      // When this fails, copy the file's text into migrations/index.ts.
      expect(migration.sql).toBe(readFileSync(path.join(directory, file), 'utf8'));
    }
  });

  it('numbers the versions 1, 2, 3, ... in order', () => {
    expect(migrations.map((migration) => migration.version)).toEqual(migrations.map((_, index) => index + 1));
  });
});
