import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { adminRequest } from './admin-request';
import type { CommandIo } from './keys-command';

export const promptsUsage = `Usage: switchyard prompts <command> [options]

Keeps prompts in a directory of files (one <name>.json a prompt: {"type",
"template", "variables", "config", "commit_message"}) and deploys them
through the admin API of a running server, with the admin token from
SWITCHYARD_ADMIN_TOKEN (or an admin JWT in it).

  push <dir> --workspace W [--label L]...
                 a new version of each prompt whose file differs from its
                 latest version (unchanged ones are left alone), moving the
                 given labels to it; prints one line per prompt
  pull <dir> --workspace W [--label L]
                 writes each prompt's version under label L (default latest)
  promote <name> --workspace W --version N [--label L]
                 points label L (default production) at version N
  rollback <name> --workspace W [--label L]
                 moves label L (default production) back to its previous version

  --url URL      the server (default http://127.0.0.1:8080)
`;

/** What a prompt file holds: a version's content, without what the server decides (number, labels, author). */
const CONTENT_FIELDS = ['type', 'template', 'variables', 'config'] as const;
const FILE_FIELDS = new Set<string>([...CONTENT_FIELDS, 'commit_message']);
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

type Json = Record<string, unknown>;

class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** `switchyard prompts …`: returns the exit code (0 done, 1 refused or unreachable, 2 bad usage). */
export async function runPromptsCommand(args: string[], io: CommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        workspace: { type: 'string', short: 'w' },
        label: { type: 'string', multiple: true },
        version: { type: 'string' },
        url: { type: 'string', default: 'http://127.0.0.1:8080' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return usageError(io, (error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, target, ...extra] = positionals;
  if (values.help || command === undefined) {
    io.stdout(promptsUsage);
    return values.help ? 0 : 2;
  }
  if (extra.length > 0) return usageError(io, `unexpected argument ${extra[0]}`);
  if (target === undefined)
    return usageError(io, `prompts ${command} needs ${command === 'push' || command === 'pull' ? 'a directory' : 'a prompt name'}`);
  if (values.workspace === undefined) return usageError(io, `prompts ${command} needs --workspace`);
  const labels = values.label ?? [];
  if (command !== 'push' && labels.length > 1) return usageError(io, `prompts ${command} takes one --label`);
  let origin: URL;
  try {
    origin = new URL(values.url);
  } catch {
    return usageError(io, `--url ${values.url} is not a URL`);
  }
  const api = new AdminClient(origin, values.workspace, io.env.SWITCHYARD_ADMIN_TOKEN);
  try {
    switch (command) {
      case 'push':
        return await push(api, target, labels, io);
      case 'pull':
        return await pull(api, target, labels[0] ?? 'latest', io);
      case 'promote': {
        if (values.version === undefined || !/^\d{1,10}$/.test(values.version)) return usageError(io, 'prompts promote needs --version N');
        const moved = await api.call('PUT', `/${encodeURIComponent(target)}/labels/${encodeURIComponent(labels[0] ?? 'production')}`, {
          version: Number(values.version),
        });
        io.stdout(`${JSON.stringify(moved, null, 2)}\n`);
        return 0;
      }
      case 'rollback': {
        const moved = await api.call('POST', `/${encodeURIComponent(target)}/rollback`, { label: labels[0] ?? 'production' });
        io.stdout(`${JSON.stringify(moved, null, 2)}\n`);
        return 0;
      }
      default:
        return usageError(io, `unknown prompts command "${command}"`);
    }
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    io.stderr(`switchyard: ${error.message}\n`);
    return error.exitCode;
  }
}

async function push(api: AdminClient, directory: string, labels: readonly string[], io: CommandIo): Promise<number> {
  const files = promptFiles(directory);
  // Every file is read and checked before anything is sent: a bad file deploys nothing.
  const prompts = files.map((file) => ({ name: path.basename(file, '.json'), content: readPromptFile(path.join(directory, file)) }));
  for (const { name, content } of prompts) {
    const latest = await api.optional('GET', `/${encodeURIComponent(name)}`);
    const current =
      latest === undefined ? undefined : await api.call('GET', `/${encodeURIComponent(name)}/versions/${String(latest.latest_version)}`);
    if (current !== undefined && sameContent(current, content)) {
      io.stdout(`${name}: unchanged (version ${String(current.version)})\n`);
      for (const label of labels)
        await api.call('PUT', `/${encodeURIComponent(name)}/labels/${encodeURIComponent(label)}`, { version: current.version });
      continue;
    }
    const created = await api.call('POST', '', { name, ...content, ...(labels.length > 0 ? { labels } : {}) });
    io.stdout(`${name}: version ${String(created.version)}${labels.length > 0 ? ` (${labels.join(', ')})` : ''}\n`);
  }
  return 0;
}

async function pull(api: AdminClient, directory: string, label: string, io: CommandIo): Promise<number> {
  mkdirSync(directory, { recursive: true });
  const listed = (await api.call('GET', '')).data as Array<{ name: string; labels: Array<{ label: string; version: number }> }>;
  for (const prompt of listed) {
    const version = prompt.labels.find((each) => each.label === label)?.version;
    if (version === undefined) {
      io.stderr(`switchyard: ${prompt.name} has no label ${label}; not written\n`);
      continue;
    }
    const found = await api.call('GET', `/${encodeURIComponent(prompt.name)}/versions/${version}`);
    const file = Object.fromEntries(CONTENT_FIELDS.map((field) => [field, found[field]]));
    writeFileSync(path.join(directory, `${prompt.name}.json`), `${JSON.stringify(file, null, 2)}\n`);
    io.stdout(`${prompt.name}: version ${version} → ${path.join(directory, `${prompt.name}.json`)}\n`);
  }
  return 0;
}

function promptFiles(directory: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(directory);
  } catch (error) {
    throw new CommandError(`cannot read ${directory}: ${(error as Error).message}`, 2);
  }
  const files = entries.filter((entry) => entry.endsWith('.json')).sort();
  if (files.length === 0) throw new CommandError(`${directory} holds no <name>.json prompt file`, 2);
  for (const file of files) {
    if (!NAME.test(path.basename(file, '.json')))
      throw new CommandError(`${file}: a prompt's name (the file name) may hold A-Z a-z 0-9 . _ - and start with a letter or digit`, 2);
  }
  return files;
}

function readPromptFile(file: string): Record<string, unknown> {
  let content: unknown;
  try {
    content = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CommandError(`${file}: ${(error as Error).message}`, 2);
  }
  if (typeof content !== 'object' || content === null || Array.isArray(content)) throw new CommandError(`${file}: expected a JSON object`, 2);
  const unknown = Object.keys(content).find((field) => !FILE_FIELDS.has(field));
  if (unknown !== undefined) throw new CommandError(`${file}: unknown field "${unknown}" (a prompt file takes ${[...FILE_FIELDS].join(', ')})`, 2);
  return content as Record<string, unknown>;
}

/** Whether a stored version already holds the file's content (absent fields count as the server's defaults). */
function sameContent(version: Json, content: Json): boolean {
  const normalized = (source: Json): Json => ({
    type: source.type,
    template: source.template,
    variables: Object.fromEntries(
      Object.entries((source.variables ?? {}) as Record<string, Json>).map(([name, spec]) => [
        name,
        // A variable without `required` is required unless it has a default, as the server reads it.
        { ...spec, required: typeof spec.required === 'boolean' ? spec.required : spec.default === undefined },
      ]),
    ),
    config: source.config ?? {},
  });
  return canonical(normalized(version)) === canonical(normalized(content));
}

/** JSON with object keys sorted, so key order (which the database may change) does not count. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** The workspace's prompt routes of the admin API. */
class AdminClient {
  constructor(
    private readonly origin: URL,
    private readonly workspace: string,
    private readonly token: string | undefined,
  ) {}

  /** The answer, or undefined on a 404. */
  async optional(method: string, route: string, body?: unknown): Promise<Json | undefined> {
    const { status, answer } = await this.send(method, route, body);
    if (status === 404) return undefined;
    if (status >= 300) throw new CommandError(`${method} ${route || '/'} answered ${status}: ${JSON.stringify(answer)}`, 1);
    return answer;
  }

  async call(method: string, route: string, body?: unknown): Promise<Json> {
    const { status, answer } = await this.send(method, route, body);
    if (status >= 300) throw new CommandError(`${method} ${route || '/'} answered ${status}: ${JSON.stringify(answer)}`, 1);
    return answer;
  }

  private async send(method: string, route: string, body: unknown): Promise<{ status: number; answer: Json }> {
    const url = new URL(`/admin/v1/workspaces/${encodeURIComponent(this.workspace)}/prompts${route}`, this.origin);
    const answer = await adminRequest(url, method, body, this.token);
    if (answer.failure !== undefined) throw new CommandError(answer.failure, 1);
    return { status: answer.status, answer: answer.body as Json };
  }
}

function usageError(io: CommandIo, message: string): number {
  io.stderr(`switchyard: ${message}\n\n${promptsUsage}`);
  return 2;
}
