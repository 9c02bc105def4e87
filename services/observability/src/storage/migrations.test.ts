import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadMigrations, migrations } from './migrations';

describe('migrations', () => {
  it('are the .sql files of migrations/, numbered 1, 2, 3, ... in order', () => {
    const files = readdirSync(path.join(__dirname, 'migrations')).filter((file) => file.endsWith('.sql'));
    expect(migrations.map(({ version, name }) => `${String(version).padStart(4, '0')}_${name}.sql`)).toEqual(files.sort());
    expect(migrations.map((migration) => migration.version)).toEqual(migrations.map((_, index) => index + 1));
    expect(migrations[0].sql).toContain('CREATE TABLE');
  });

  it('refuses a folder without migrations, saying how they get there', () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'switchyard-migrations-'));
    writeFileSync(path.join(directory, 'notes.txt'), 'not a migration');
    expect(() => loadMigrations(directory)).toThrow(/No migrations found .* the build copies them/);
  });
});
