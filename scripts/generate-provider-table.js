// Rewrites the provider table in README.md from the provider descriptors
// (packages/shared/src/providers), between its markers. Re-run after changing
// a descriptor; test/docs/readme-providers.test.ts fails while they differ.
//   npm run generate:providers      (builds @switchyard/shared first)
const fs = require('node:fs');
const path = require('node:path');
const { replaceProviderTable, renderProviderTable } = require('../packages/shared/dist');

const readme = path.resolve(__dirname, '../README.md');
const before = fs.readFileSync(readme, 'utf8');
const after = replaceProviderTable(before, renderProviderTable());
if (after === before) {
  console.log('README.md: provider table already current');
} else {
  fs.writeFileSync(readme, after);
  console.log('README.md: provider table rewritten');
}
