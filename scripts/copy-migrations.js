// Copies every `migrations/*.sql` under SOURCE to the same place under TARGET:
// a package's build puts its SQL migrations beside the compiled code in dist/.
//   node scripts/copy-migrations.js src dist
const fs = require('node:fs');
const path = require('node:path');

const [source, target] = process.argv.slice(2);
if (!source || !target) {
  console.error('usage: node scripts/copy-migrations.js SOURCE TARGET');
  process.exit(2);
}
function visit(directory) {
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const file = path.join(directory, entry.name);
    if (entry.isDirectory()) visit(file);
    else if (entry.name.endsWith('.sql') && path.basename(directory) === 'migrations') {
      const destination = path.join(target, path.relative(source, file));
      fs.mkdirSync(path.dirname(destination), { recursive: true });
      fs.copyFileSync(file, destination);
    }
  }
}
visit(source);
