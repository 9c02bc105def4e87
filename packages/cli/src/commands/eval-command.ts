import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { adminRequest } from './admin-request';
import type { CommandIo } from './keys-command';

export const evalUsage = `Usage: switchyard eval <command> [options]

Runs evaluations through the admin API of a running server, with the admin
token from SWITCHYARD_ADMIN_TOKEN (or an admin JWT in it). Prints the
server's JSON answer.

  run --workspace W --dataset D --model M --evaluators FILE
      [--prompt NAME@VERSION] [--dataset-file FILE.jsonl|.csv] [--concurrency N]
      [--no-wait] [--timeout SECONDS] [--min-mean EVALUATOR=X]...
                 start a run of the dataset (created from --dataset-file when
                 it does not exist yet) and wait for it; exits 1 when it did
                 not complete or an evaluator's mean is below its --min-mean
  show --workspace W <run_id>
                 a run's progress and scores
  compare --workspace W <run_a> <run_b>
                 two runs side by side, per item and in aggregate

  --evaluators FILE   a JSON list of evaluators, e.g.
                      [{"kind": "exact"}, {"name": "tone", "kind": "llm_judge", "model": "gpt-4o", "rubric": "…"}]
  --url URL           the server (default http://127.0.0.1:8080)
`;

/** Items per import request: the admin API takes bodies up to 64 KiB. */
const IMPORT_CHUNK_CHARACTERS = 60 * 1024;
const POLL_INTERVAL_MS = 1_000;

/** `switchyard eval …`: returns the exit code (0 done and passed, 1 refused, failed or below a threshold, 2 bad usage). */
export async function runEvalCommand(args: string[], io: CommandIo, options: { pollIntervalMs?: number } = {}): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        workspace: { type: 'string', short: 'w' },
        dataset: { type: 'string' },
        'dataset-file': { type: 'string' },
        model: { type: 'string' },
        prompt: { type: 'string' },
        evaluators: { type: 'string' },
        concurrency: { type: 'string' },
        'no-wait': { type: 'boolean' },
        timeout: { type: 'string', default: '3600' },
        'min-mean': { type: 'string', multiple: true },
        url: { type: 'string', default: 'http://127.0.0.1:8080' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return usageError(io, (error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...ids] = positionals;
  if (values.help || command === undefined) {
    io.stdout(evalUsage);
    return values.help ? 0 : 2;
  }
  if (values.workspace === undefined) return usageError(io, `eval ${command} needs --workspace`);
  const base = `/admin/v1/workspaces/${encodeURIComponent(values.workspace)}`;
  const api = adminClient(values.url, io);
  if (api === undefined) return usageError(io, `--url ${values.url} is not a URL`);

  if (command === 'show' || command === 'compare') {
    const wanted = command === 'show' ? 1 : 2;
    if (ids.length !== wanted) return usageError(io, command === 'show' ? 'eval show needs one run id' : 'eval compare needs two run ids');
    const path =
      command === 'show'
        ? `${base}/evaluations/${encodeURIComponent(ids[0])}`
        : `${base}/evaluations/compare?a=${encodeURIComponent(ids[0])}&b=${encodeURIComponent(ids[1])}`;
    const answer = await api('GET', path);
    if (answer === undefined) return 1;
    io.stdout(`${JSON.stringify(answer.body, null, 2)}\n`);
    return answer.status === 200 ? 0 : 1;
  }
  if (command !== 'run') return usageError(io, `unknown eval command "${command}"`);
  if (ids.length > 0) return usageError(io, `unexpected argument ${ids[0]}`);
  if (values.dataset === undefined || values.model === undefined || values.evaluators === undefined)
    return usageError(io, 'eval run needs --dataset, --model and --evaluators');
  const thresholds = new Map<string, number>();
  for (const entry of values['min-mean'] ?? []) {
    const match = /^([^=]+)=(-?\d+(?:\.\d+)?)$/.exec(entry);
    if (!match) return usageError(io, `--min-mean takes EVALUATOR=NUMBER, not ${entry}`);
    thresholds.set(match[1], Number(match[2]));
  }
  let prompt: { name: string; version: number } | undefined;
  if (values.prompt !== undefined) {
    const match = /^(.+)@(\d+)$/.exec(values.prompt);
    if (!match) return usageError(io, '--prompt takes NAME@VERSION (a run evaluates one version)');
    prompt = { name: match[1], version: Number(match[2]) };
  }
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && !Number.isInteger(concurrency)) return usageError(io, '--concurrency takes a whole number');
  const timeoutSeconds = Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) return usageError(io, '--timeout takes a number of seconds');
  let evaluators: unknown;
  try {
    evaluators = JSON.parse(await readFile(values.evaluators, 'utf8'));
  } catch (error) {
    io.stderr(`switchyard: cannot read the evaluators in ${values.evaluators}: ${(error as Error).message}\n`);
    return 2;
  }

  if (values['dataset-file'] !== undefined) {
    const existing = await api('GET', `${base}/datasets/${encodeURIComponent(values.dataset)}`);
    if (existing === undefined) return 1;
    if (existing.status === 200) {
      io.stderr(`switchyard: dataset ${values.dataset} exists; its items are used, not those of ${values['dataset-file']}\n`);
    } else if (existing.status === 404) {
      const imported = await importDataset(api, base, values.dataset, values['dataset-file'], io);
      if (imported !== 0) return imported;
    } else {
      io.stdout(`${JSON.stringify(existing.body, null, 2)}\n`);
      return 1;
    }
  }

  const started = await api('POST', `${base}/evaluations`, {
    dataset: values.dataset,
    model: values.model,
    evaluators,
    ...(prompt ? { prompt } : {}),
    ...(concurrency === undefined ? {} : { concurrency }),
  });
  if (started === undefined) return 1;
  if (started.status !== 202 || values['no-wait']) {
    io.stdout(`${JSON.stringify(started.body, null, 2)}\n`);
    return started.status === 202 ? 0 : 1;
  }
  const runId = (started.body as { id: string }).id;
  const deadline = Date.now() + timeoutSeconds * 1_000;
  let run = started.body as { status: string; scores: Record<string, { mean: number | null }> };
  while (run.status === 'running' || run.status === 'queued') {
    if (Date.now() > deadline) {
      io.stderr(`switchyard: run ${runId} is still ${run.status} after ${timeoutSeconds} s\n`);
      return 1;
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs ?? POLL_INTERVAL_MS));
    const polled = await api('GET', `${base}/evaluations/${encodeURIComponent(runId)}`);
    if (polled === undefined || polled.status !== 200) return 1;
    run = polled.body as typeof run;
  }
  io.stdout(`${JSON.stringify(run, null, 2)}\n`);
  if (run.status !== 'completed') {
    io.stderr(`switchyard: run ${runId} ended ${run.status}\n`);
    return 1;
  }
  let passed = true;
  for (const [evaluator, minimum] of thresholds) {
    const mean = run.scores[evaluator]?.mean ?? null;
    if (mean === null || mean < minimum) {
      io.stderr(`switchyard: ${evaluator} mean ${mean} is below ${minimum}\n`);
      passed = false;
    }
  }
  return passed ? 0 : 1;
}

type AdminCall = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: unknown } | undefined>;

/** Calls the admin API; undefined (after saying why) when the server cannot be reached or answers something other than JSON. */
function adminClient(baseUrl: string, io: CommandIo): AdminCall | undefined {
  try {
    new URL(baseUrl);
  } catch {
    return undefined;
  }
  const token = io.env.SWITCHYARD_ADMIN_TOKEN;
  return async (method, path, body) => {
    const answer = await adminRequest(new URL(path, baseUrl), method, body, token);
    if (answer.failure === undefined) return answer;
    io.stderr(`switchyard: ${answer.failure}\n`);
    return undefined;
  };
}

/** Creates the dataset from a JSONL or CSV file, in requests under the admin API's body bound. */
async function importDataset(api: AdminCall, base: string, name: string, file: string, io: CommandIo): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    io.stderr(`switchyard: cannot read ${file}: ${(error as Error).message}\n`);
    return 2;
  }
  const format = path.extname(file).toLowerCase() === '.csv' ? 'csv' : 'jsonl';
  if (text.length <= IMPORT_CHUNK_CHARACTERS) {
    const created = await api('POST', `${base}/datasets`, { name, [format]: text });
    if (created === undefined) return 1;
    if (created.status === 201) return 0;
    io.stdout(`${JSON.stringify(created.body, null, 2)}\n`);
    return 1;
  }
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  // Larger files go line by line: a CSV's header with every chunk (so a quoted field may not span lines here).
  const header = format === 'csv' ? lines.shift() : undefined;
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 0;
  for (const line of lines) {
    if (current.length > 0 && size + line.length + 1 > IMPORT_CHUNK_CHARACTERS) {
      chunks.push(current.join('\n'));
      current = [];
      size = 0;
    }
    current.push(line);
    size += line.length + 1;
  }
  if (current.length > 0) chunks.push(current.join('\n'));
  const body = (chunk: string) => ({ [format]: header === undefined ? chunk : `${header}\n${chunk}` });
  const created = await api('POST', `${base}/datasets`, { name, ...(chunks.length > 0 ? body(chunks[0]) : {}) });
  if (created === undefined) return 1;
  if (created.status !== 201) {
    io.stdout(`${JSON.stringify(created.body, null, 2)}\n`);
    return 1;
  }
  for (const chunk of chunks.slice(1)) {
    const added = await api('POST', `${base}/datasets/${encodeURIComponent(name)}/items`, body(chunk));
    if (added === undefined) return 1;
    if (added.status !== 201) {
      io.stdout(`${JSON.stringify(added.body, null, 2)}\n`);
      return 1;
    }
  }
  return 0;
}

function usageError(io: CommandIo, message: string): number {
  io.stderr(`switchyard eval: ${message}\n\n${evalUsage}`);
  return 2;
}
