import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../support/infrastructure';
import { DEFAULT_FIXTURES, startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';

/**
 * The built `switchyard` command holding a stream that never ends: SIGTERM
 * waits SHUTDOWN_GRACE_MS, then cancels the upstream call, records the
 * request as cancelled by the shutdown, and the process exits well before
 * the provider's own timeout would have let it.
 */
const cli = path.resolve(__dirname, '../../packages/cli/dist/cli.js');
const GRACE_MS = 300;
/** The command's hard deadline past the grace (SHUTDOWN_DEADLINE_MARGIN_MS in cli.ts) and slack for a loaded machine. */
const EXIT_BOUND_MS = GRACE_MS + 5_000 + 5_000;

function start(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [cli], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (data) => (output += data));
  child.stderr.on('data', (data) => (output += data));
  return { child, output: () => output };
}

/** Resolves once `pattern` appears in the output; rejects with the output after `timeoutMs`. */
async function waitForOutput(process: { child: ChildProcess; output: () => string }, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(process.output())) {
    if (Date.now() > deadline || process.child.exitCode !== null) throw new Error(`no ${pattern} in:\n${process.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The exit code, or a rejection once `timeoutMs` has passed. */
function exitWithin(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still running ${timeoutMs} ms after SIGTERM`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('the switchyard command shutting down', () => {
  let upstream: MockOpenAIUpstream;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
  });

  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    upstream.reset();
  });

  afterAll(async () => {
    await upstream.close();
  });

  it('cancels a never-ending stream after its grace, exits, and has recorded the request as cancelled', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'switchyard-shutdown-'));
    const dataDirectory = path.join(directory, 'data');
    const adminToken = `shutdown-admin-${randomBytes(12).toString('hex')}`;
    const env = {
      OPENAI_BASE_URL: upstream.baseUrl,
      SWITCHYARD_DATA_DIR: dataDirectory,
      SHUTDOWN_GRACE_MS: String(GRACE_MS),
      SWITCHYARD_ADMIN_TOKEN: adminToken,
      SWITCHYARD_AUDIT_SIGNING_KEY_FILE: path.join(directory, 'audit-signing-key.pem'),
    };
    const port = await freePort();
    const gateway = start({ ...env, PORT: String(port) });
    children.push(gateway.child);
    // The record must have a database to go to before the shutdown.
    await waitForOutput(gateway, /"msg":"records-ready"/, 60_000);
    const created = await fetch(`http://127.0.0.1:${port}/admin/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ workspace: 'default', name: 'e2e' }),
    });
    expect(created.status).toBe(201);
    const authorization = `Bearer ${((await created.json()) as { key: string }).key}`;

    upstream.enqueue({ kind: 'stream-then-hang', file: DEFAULT_FIXTURES.stream, events: 4 });
    const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json', 'x-request-id': 'held-at-shutdown' },
      // A model the mock lists at GET /v1/models: zero-config discovery finds it.
      body: JSON.stringify({ model: 'gpt-4.1-nano-2025-04-14', stream: true, messages: [{ role: 'user', content: 'Tell me about the weather.' }] }),
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('"content":"I\'m"')) text += decoder.decode((await reader.read()).value, { stream: true });

    gateway.child.kill('SIGTERM');
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true });
    expect(text).toContain('"code":"server_shutting_down"');
    expect(await exitWithin(gateway.child, EXIT_BOUND_MS)).toBe(0);
    expect(gateway.output()).toContain('"msg":"shutdown-grace-over"');
    await upstream.whenNoneOpen(5_000);

    // The record was written before the process exited: a new process on the same database reads it.
    const restartedPort = await freePort();
    const restarted = start({ ...env, PORT: String(restartedPort) });
    children.push(restarted.child);
    await waitForOutput(restarted, /"msg":"records-ready"/, 60_000);
    const record = (await (await fetch(`http://127.0.0.1:${restartedPort}/v1/requests/held-at-shutdown`, { headers: { authorization } })).json()) as {
      usage: { output_tokens: number };
    };
    expect(record).toMatchObject({
      status: 'cancelled',
      streamed: true,
      usage_estimated: true,
      error: { class: 'cancelled', message: expect.stringMatching(/shut down/) },
    });
    expect(record.usage.output_tokens).toBeGreaterThan(0);
  }, 150_000);
});
