import { parseArgs } from 'node:util';
import { PROVIDER_DESCRIPTORS, summarizeProvider } from '@switchyard/shared';
import type { CommandIo } from './keys-command';

const providersUsage = `Usage: switchyard providers [--json]

Lists every provider Switchyard knows by name: its id (the provider id of
zero-config, and the preset of an OpenAI-compatible one), wire format,
default base URL, auth scheme and the environment variables that enable it.

  --json   one JSON array of {id, name, wire, envVars, baseUrl, streaming,
           tools, vision, embeddings, auth, docs}
`;

/** `switchyard providers [--json]`: returns the exit code (0 done, 2 bad usage). */
export function runProvidersCommand(args: string[], io: CommandIo): number {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    io.stderr(`switchyard providers: ${(error as Error).message}\n\n${providersUsage}`);
    return 2;
  }
  if (values.help) {
    io.stdout(providersUsage);
    return 0;
  }
  const summaries = PROVIDER_DESCRIPTORS.map(summarizeProvider);
  if (values.json) {
    io.stdout(`${JSON.stringify(summaries, null, 2)}\n`);
    return 0;
  }
  const rows = [
    ['ID', 'NAME', 'WIRE', 'AUTH', 'ENVIRONMENT', 'DEFAULT BASE URL'],
    ...summaries.map((summary) => [summary.id, summary.name, summary.wire, summary.auth, summary.envVars.join(' '), summary.baseUrl]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const lines = rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd(),
  );
  io.stdout(`${lines.join('\n')}\n${summaries.length} providers\n`);
  return 0;
}
