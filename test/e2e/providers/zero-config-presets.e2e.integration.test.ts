import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { fixturePath } from '../../support/fixtures';
import { freePort } from '../../support/infrastructure';
import { startReplayUpstream, type ReplayUpstream } from '../../support/replay-upstream';
import { SWITCHYARD_CLI, stopProcess, waitUntilReady } from '../../support/switchyard-process';

/**
 * Zero-config for a sample of presets: `switchyard` started with no config
 * file and only each provider's own environment variables (its key, and its
 * base URL variable pointed at a loopback replay server), as a user starts
 * it. Each provider must be enabled under its id, call its preset's path with
 * its key, and answer the openai SDK. Without SWITCHYARD_ADMIN_TOKEN on
 * purpose: the zero-config local-development mode, loopback and no credential.
 */
const RECORDED = fixturePath('provider-responses/vercel-ai/packages/deepseek/src/chat/__fixtures__/deepseek-text.json');

/** In the descriptors' order, which is the order zero-config enables them in. */
const SAMPLE = [
  { id: 'groq', env: { GROQ_API_KEY: 'gsk-zero-config' }, baseVariable: 'GROQ_BASE_URL', path: '/groq/openai/v1', key: 'gsk-zero-config' },
  { id: 'together', env: { TOGETHER_API_KEY: 'tg-zero-config' }, baseVariable: 'TOGETHER_BASE_URL', path: '/together/v1', key: 'tg-zero-config' },
  { id: 'deepseek', env: { DEEPSEEK_API_KEY: 'sk-zero-config' }, baseVariable: 'DEEPSEEK_BASE_URL', path: '/deepseek', key: 'sk-zero-config' },
  { id: 'xai', env: { XAI_API_KEY: 'xai-zero-config' }, baseVariable: 'XAI_BASE_URL', path: '/xai/v1', key: 'xai-zero-config' },
  {
    id: 'openrouter',
    env: { OPENROUTER_API_KEY: 'sk-or-zero-config' },
    baseVariable: 'OPENROUTER_BASE_URL',
    path: '/openrouter/api/v1',
    key: 'sk-or-zero-config',
  },
  { id: 'huggingface', env: { HF_TOKEN: 'hf_zero_config' }, baseVariable: 'HF_BASE_URL', path: '/hf/v1', key: 'hf_zero_config' },
  // Keyless: a local server is enabled by its address alone.
  { id: 'vllm', env: {}, baseVariable: 'VLLM_BASE_URL', path: '/vllm/v1', key: undefined },
] as const;

describe('zero-config: each preset enabled by its own environment variables', () => {
  let upstream: ReplayUpstream;
  let child: ChildProcess | undefined;
  let directory: string;

  beforeAll(async () => {
    upstream = await startReplayUpstream();
    upstream.setDefault({ body: readFileSync(RECORDED) });
    directory = mkdtempSync(path.join(tmpdir(), 'switchyard-zero-config-'));
  });

  afterAll(async () => {
    if (child) await stopProcess(child);
    await upstream?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('serves every sampled provider as <id>/<model>, each through its own path and key', async () => {
    const port = await freePort();
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', PORT: String(port), SWITCHYARD_DATA_DIR: 'memory://' };
    for (const provider of SAMPLE) Object.assign(env, provider.env, { [provider.baseVariable]: `${upstream.origin}${provider.path}` });
    let output = '';
    // Its own working directory: the embedded mode writes its audit signing key there.
    child = spawn(process.execPath, [SWITCHYARD_CLI], { cwd: directory, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (data) => (output += data));
    child.stderr?.on('data', (data) => (output += data));
    await waitUntilReady(`http://127.0.0.1:${port}/readyz`, () => output);

    const enabled = output
      .split('\n')
      .filter((line) => line.includes('providers-enabled'))
      .map((line) => JSON.parse(line));
    expect(enabled).toHaveLength(1);
    expect(enabled[0]).toMatchObject({ source: 'environment', providers: SAMPLE.map((provider) => `${provider.id} (openai)`) });

    const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
    const expected = JSON.parse(readFileSync(RECORDED, 'utf8')).choices[0].message.content;
    for (const provider of SAMPLE) {
      const before = upstream.requests.length;
      const completion = await client.chat.completions.create({ model: `${provider.id}/some-model`, messages: [{ role: 'user', content: 'hi' }] });
      expect(completion.choices[0].message.content).toBe(expected);
      const sent = upstream.requests[before];
      expect({ id: provider.id, url: sent.url, authorization: sent.headers.authorization, model: sent.json.model }).toEqual({
        id: provider.id,
        url: `${provider.path}/chat/completions`,
        authorization: provider.key ? `Bearer ${provider.key}` : undefined,
        model: 'some-model',
      });
    }
    // The keys never reach the logs.
    for (const provider of SAMPLE) if (provider.key) expect(output).not.toContain(provider.key);
  }, 90_000);
});
