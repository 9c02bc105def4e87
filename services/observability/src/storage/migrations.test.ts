import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadMigrations, migrations } from './migrations';

describe('migrations', () => {
  it('are the .sql files of migrations/, numbered upwards from 1 without repeats', () => {
    const files = readdirSync(path.join(__dirname, 'migrations')).filter((file) => file.endsWith('.sql'));
    expect(migrations.map(({ version, name }) => `${String(version).padStart(4, '0')}_${name}.sql`)).toEqual(files.sort());
    // A gap is harmless (the runner applies what is missing, in order): branches reserve numbers.
    const versions = migrations.map((migration) => migration.version);
    expect(versions[0]).toBe(1);
    for (let index = 1; index < versions.length; index++) expect(versions[index]).toBeGreaterThan(versions[index - 1]);
    expect(migrations[0].sql).toContain('CREATE TABLE');
  });

  it('refuses a folder without migrations, saying how they get there', () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'switchyard-migrations-'));
    writeFileSync(path.join(directory, 'notes.txt'), 'not a migration');
    expect(() => loadMigrations(directory)).toThrow(/No migrations found .* the build copies them/);
  });
});
