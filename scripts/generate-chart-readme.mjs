#!/usr/bin/env node
// Writes charts/switchyard/README.md: README.template.md with its `<!-- values -->` line replaced by a
// table of every documented value, read from values.yaml, where a comment starting with `# --` documents
// the key below it (its following `#` lines continue the text). A key whose map holds documented keys is
// walked into; a documented key is a row, its default shown as JSON.
//
//   node scripts/generate-chart-readme.mjs           write the README
//   node scripts/generate-chart-readme.mjs --check   exit 1 when the README differs from what would be written
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, parseDocument } from 'yaml';

const chart = join(dirname(fileURLToPath(import.meta.url)), '..', 'charts', 'switchyard');
const MARKER = '<!-- values -->';

/** The `# --` text of a comment, or undefined when it documents nothing. */
function documentation(comment) {
  if (!comment) return undefined;
  const lines = comment.split('\n').map((line) => line.replace(/^ ?/, ''));
  const start = lines.findIndex((line) => line.startsWith('-- '));
  if (start < 0) return undefined;
  const text = [lines[start].slice(3), ...lines.slice(start + 1)].map((line) => line.trim());
  return text.join(' ').trim();
}

function rows(map, prefix, out) {
  for (const [index, pair] of map.items.entries()) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const path = prefix ? `${prefix}.${key}` : key;
    // The comment above a nested map's first key belongs to the map itself.
    const comment = pair.key?.commentBefore ?? pair.commentBefore ?? (index === 0 ? map.commentBefore : undefined);
    const text = documentation(comment);
    if (text !== undefined) {
      out.push({ path, text, value: JSON.stringify(pair.value?.toJSON?.() ?? pair.value ?? null) });
    } else if (isMap(pair.value)) {
      rows(pair.value, path, out);
    } else {
      throw new Error(`values.yaml: ${path} has no "# --" comment: document it`);
    }
  }
  return out;
}

function cell(text) {
  return text.replace(/\|/g, '\\|');
}

function chartReadme() {
  const document = parseDocument(readFileSync(join(chart, 'values.yaml'), 'utf8'));
  if (document.errors.length > 0) throw new Error(`values.yaml: ${document.errors[0].message}`);
  const table = [
    '| Key | Default | Description |',
    '| --- | --- | --- |',
    ...rows(document.contents, '', []).map(({ path, text, value }) => `| \`${path}\` | \`${cell(value)}\` | ${cell(text)} |`),
  ].join('\n');
  const template = readFileSync(join(chart, 'README.template.md'), 'utf8');
  if (!template.includes(MARKER)) throw new Error(`README.template.md has no ${MARKER} line`);
  return template.replace(MARKER, table);
}

const written = chartReadme();
const target = join(chart, 'README.md');
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // A missing README differs like any other.
  }
  if (current !== written) {
    process.stderr.write('charts/switchyard/README.md does not match values.yaml: run node scripts/generate-chart-readme.mjs\n');
    process.exit(1);
  }
} else {
  writeFileSync(target, written);
}
