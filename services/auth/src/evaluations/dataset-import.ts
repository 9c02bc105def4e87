import { invalidRequest } from '@switchyard/shared';
import type { NewDatasetItem } from './evaluation-store';

/** Characters one input, expected output or metadata may take as JSON. */
const MAXIMUM_FIELD_CHARACTERS = 32 * 1024;
const ITEM_FIELDS = ['input', 'expected_output', 'metadata'];

/**
 * Items from an admin request: `items` (a JSON list), `jsonl` (one JSON
 * object a line) or `csv` (a header row; an `input` column or `input.<name>`
 * columns for a prompt's variables, an optional `expected_output`, every
 * other column into `metadata`). A bad item is a 400 naming where it is.
 */
export function parseItems(body: Record<string, unknown>): NewDatasetItem[] {
  const given = ['items', 'jsonl', 'csv'].filter((field) => body[field] !== undefined);
  if (given.length !== 1)
    throw invalidRequest('Give exactly one of `items`, `jsonl` or `csv`.', 'items', given.length === 0 ? 'missing_field' : undefined);
  if (body.items !== undefined) {
    if (!Array.isArray(body.items)) throw invalidRequest('`items` must be a list of items.', 'items');
    return body.items.map((item, index) => itemOf(item, `items[${index}]`));
  }
  if (body.jsonl !== undefined) {
    if (typeof body.jsonl !== 'string') throw invalidRequest('`jsonl` must be a string: one JSON object a line.', 'jsonl');
    return parseJsonLines(body.jsonl);
  }
  if (typeof body.csv !== 'string') throw invalidRequest('`csv` must be a string: a header row, then one item a row.', 'csv');
  return parseCsvItems(body.csv);
}

export function parseJsonLines(text: string): NewDatasetItem[] {
  const items: NewDatasetItem[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw invalidRequest(`Line ${index + 1} of \`jsonl\` is not JSON.`, 'jsonl', 'invalid_item');
    }
    items.push(itemOf(value, `jsonl line ${index + 1}`, 'jsonl'));
  });
  return items;
}

export function parseCsvItems(text: string): NewDatasetItem[] {
  const rows = parseCsv(text);
  if (rows.length === 0) throw invalidRequest('`csv` needs a header row.', 'csv', 'invalid_item');
  const [header, ...records] = rows;
  const hasInput = header.includes('input');
  const variableColumns = header.filter((column) => column.startsWith('input.') && column.length > 'input.'.length);
  if (!hasInput && variableColumns.length === 0)
    throw invalidRequest('The `csv` header needs an `input` column or `input.<variable>` columns.', 'csv', 'invalid_item');
  if (hasInput && variableColumns.length > 0)
    throw invalidRequest('The `csv` header has both `input` and `input.<variable>` columns; use one or the other.', 'csv', 'invalid_item');
  if (new Set(header).size !== header.length) throw invalidRequest('The `csv` header names a column twice.', 'csv', 'invalid_item');
  return records.map((record, index) => {
    const line = `csv row ${index + 2}`;
    if (record.length !== header.length)
      throw invalidRequest(`The ${line} has ${record.length} fields; the header has ${header.length}.`, 'csv', 'invalid_item');
    const input: Record<string, string> = {};
    const metadata: Record<string, string> = {};
    let text: string | undefined;
    let expected: string | undefined;
    header.forEach((column, position) => {
      const value = record[position];
      if (column === 'input') text = value;
      else if (column.startsWith('input.')) input[column.slice('input.'.length)] = value;
      else if (column === 'expected_output') expected = value === '' ? undefined : value;
      else metadata[column.startsWith('metadata.') ? column.slice('metadata.'.length) : column] = value;
    });
    return itemOf({ input: text ?? input, expected_output: expected, metadata }, line, 'csv');
  });
}

function itemOf(value: unknown, where: string, param = 'items'): NewDatasetItem {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidRequest(`The item at ${where} must be an object with \`input\`.`, param, 'invalid_item');
  const item = value as Record<string, unknown>;
  for (const field of Object.keys(item)) {
    if (!ITEM_FIELDS.includes(field))
      throw invalidRequest(
        `The item at ${where} has an unknown field \`${field}\`; an item has input, expected_output, metadata.`,
        param,
        'invalid_item',
      );
  }
  if (item.input === undefined || item.input === null) throw invalidRequest(`The item at ${where} has no \`input\`.`, param, 'invalid_item');
  const metadata = item.metadata ?? {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    throw invalidRequest(`The item at ${where} has a \`metadata\` that is not an object.`, param, 'invalid_item');
  for (const field of ITEM_FIELDS) {
    if (item[field] !== undefined && JSON.stringify(item[field]).length > MAXIMUM_FIELD_CHARACTERS)
      throw invalidRequest(`The item at ${where} has a \`${field}\` over ${MAXIMUM_FIELD_CHARACTERS} characters of JSON.`, param, 'invalid_item');
  }
  return {
    input: item.input,
    expectedOutput: item.expected_output === null ? undefined : item.expected_output,
    metadata: metadata as Record<string, unknown>,
  };
}

/** RFC 4180: fields split on commas, `"…"` quoting with `""` for a quote, CRLF or LF rows; blank lines skipped. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let index = 0;
  const endRow = () => {
    row.push(field);
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
    field = '';
  };
  while (index < text.length) {
    const character = text[index];
    if (quoted) {
      if (character === '"' && text[index + 1] === '"') {
        field += '"';
        index += 2;
        continue;
      }
      if (character === '"') quoted = false;
      else field += character;
      index++;
      continue;
    }
    if (character === '"' && field === '') quoted = true;
    else if (character === ',') {
      row.push(field);
      field = '';
    } else if (character === '\n') endRow();
    else if (character === '\r' && text[index + 1] === '\n') {
      endRow();
      index++;
    } else field += character;
    index++;
  }
  if (quoted) throw invalidRequest('The `csv` ends inside a quoted field.', 'csv', 'invalid_item');
  if (field !== '' || row.length > 0) endRow();
  return rows;
}
