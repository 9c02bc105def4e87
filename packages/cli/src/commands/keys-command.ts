import { parseArgs } from 'node:util';
import { adminRequest } from './admin-request';

export const keysUsage = `Usage: switchyard keys <command> [options]

Manages virtual API keys through the admin API of a running server, with the
admin token from SWITCHYARD_ADMIN_TOKEN (or an admin JWT in it). Prints the
server's JSON answer.

  create --workspace W [--name N] [--role R] [--expires-at ISO]
                 create a key; the answer holds the key, shown only this once
  list --workspace W
                 the workspace's keys (never the keys themselves)
  revoke <key_id>
                 revoke a key: every replica refuses it within a second
  rotate <key_id> [--overlap-seconds S]
                 a new key; the old one works for S more seconds (default 86400)

  --url URL      the server (default http://127.0.0.1:8080)
`;

export interface CommandIo {
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
}

/** `switchyard keys …`: returns the exit code (0 done, 1 refused or unreachable, 2 bad usage). */
export async function runKeysCommand(args: string[], io: CommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        workspace: { type: 'string', short: 'w' },
        name: { type: 'string' },
        role: { type: 'string' },
        'expires-at': { type: 'string' },
        'overlap-seconds': { type: 'string' },
        url: { type: 'string', default: 'http://127.0.0.1:8080' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return usageError(io, (error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, id, ...extra] = positionals;
  if (values.help || command === undefined) {
    io.stdout(keysUsage);
    return values.help ? 0 : 2;
  }
  if (extra.length > 0) return usageError(io, `unexpected argument ${extra[0]}`);

  let request: { method: string; path: string; body?: unknown };
  switch (command) {
    case 'create': {
      if (values.workspace === undefined) return usageError(io, 'keys create needs --workspace');
      const body: Record<string, unknown> = { workspace: values.workspace, name: values.name ?? 'default' };
      if (values.role !== undefined) body.role = values.role;
      if (values['expires-at'] !== undefined) body.expires_at = values['expires-at'];
      request = { method: 'POST', path: '/admin/v1/keys', body };
      break;
    }
    case 'list':
      if (values.workspace === undefined) return usageError(io, 'keys list needs --workspace');
      request = { method: 'GET', path: `/admin/v1/keys?workspace=${encodeURIComponent(values.workspace)}` };
      break;
    case 'revoke':
      if (id === undefined) return usageError(io, 'keys revoke needs a key id');
      request = { method: 'POST', path: `/admin/v1/keys/${encodeURIComponent(id)}/revoke` };
      break;
    case 'rotate': {
      if (id === undefined) return usageError(io, 'keys rotate needs a key id');
      const overlap = values['overlap-seconds'];
      if (overlap !== undefined && !/^\d+$/.test(overlap)) return usageError(io, '--overlap-seconds takes a whole number of seconds');
      request = {
        method: 'POST',
        path: `/admin/v1/keys/${encodeURIComponent(id)}/rotate`,
        body: overlap === undefined ? {} : { overlap_seconds: Number(overlap) },
      };
      break;
    }
    default:
      return usageError(io, `unknown keys command "${command}"`);
  }
  if (command !== 'create' && command !== 'list' && values.workspace !== undefined) return usageError(io, `keys ${command} takes no --workspace`);

  let url: URL;
  try {
    url = new URL(request.path, values.url);
  } catch {
    return usageError(io, `--url ${values.url} is not a URL`);
  }
  const response = await adminRequest(url, request.method, request.body, io.env.SWITCHYARD_ADMIN_TOKEN);
  if (response.failure !== undefined) {
    io.stderr(`switchyard: ${response.failure}\n`);
    return 1;
  }
  const answer = response.body;
  const printed = `${JSON.stringify(answer, null, 2)}\n`;
  if (response.status < 300) {
    io.stdout(printed);
    return 0;
  }
  io.stderr(printed);
  return 1;
}

function usageError(io: CommandIo, message: string): number {
  io.stderr(`switchyard: ${message}\n\n${keysUsage}`);
  return 2;
}
