import { readFileSync } from 'node:fs';
import path from 'node:path';
import { extractProviderTable, PROVIDER_DESCRIPTORS, renderProviderTable, replaceProviderTable } from '@switchyard/shared';

/** The README's provider table is the one `npm run generate:providers` makes from the descriptors. */
describe("the README's provider table", () => {
  const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');

  it('equals the table generated from the provider descriptors (run `npm run generate:providers` after changing one)', () => {
    expect(extractProviderTable(readme)).toBe(renderProviderTable());
  });

  it('has one row per provider, and regenerating it changes nothing', () => {
    const rows = renderProviderTable()
      .split('\n')
      .filter((line) => line.startsWith('| ['));
    expect(rows).toHaveLength(PROVIDER_DESCRIPTORS.length);
    expect(replaceProviderTable(readme)).toBe(readme);
  });
});
