import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROVIDER_DESCRIPTORS } from '@switchyard/shared';

/** The built command, as `./bin/switchyard` runs it (jest's global setup builds it first). */
const cli = path.resolve(__dirname, '../../dist/cli.js');
const run = (...args: string[]) => promisify(execFile)(process.execPath, [cli, 'providers', ...args], { env: { PATH: process.env.PATH ?? '' } });

describe('switchyard providers', () => {
  it('prints every provider as JSON with the fields the issue names', async () => {
    const { stdout } = await run('--json');
    const providers = JSON.parse(stdout) as Record<string, unknown>[];
    expect(providers.length).toBeGreaterThanOrEqual(40);
    expect(providers.map((provider) => provider.id)).toEqual(PROVIDER_DESCRIPTORS.map((descriptor) => descriptor.id));
    for (const provider of providers) {
      expect(Object.keys(provider)).toEqual([
        'id',
        'name',
        'wire',
        'envVars',
        'baseUrl',
        'streaming',
        'tools',
        'vision',
        'embeddings',
        'auth',
        'docs',
      ]);
    }
    expect(providers.find((provider) => provider.id === 'deepseek')).toEqual({
      id: 'deepseek',
      name: 'DeepSeek',
      wire: 'openai',
      envVars: ['DEEPSEEK_API_KEY', 'DEEPSEEK_BASE_URL'],
      baseUrl: 'https://api.deepseek.com',
      streaming: true,
      tools: true,
      vision: false,
      embeddings: false,
      auth: 'bearer',
      docs: 'https://api-docs.deepseek.com/',
    });
    expect(providers.find((provider) => provider.id === 'anthropic')).toMatchObject({
      wire: 'anthropic',
      auth: 'x-api-key',
      envVars: ['ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL'],
    });
  });

  it('prints a table for people, one line per provider', async () => {
    const { stdout } = await run();
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +NAME +WIRE +AUTH +ENVIRONMENT +DEFAULT BASE URL$/);
    expect(lines).toContainEqual(
      expect.stringMatching(/^groq +Groq +openai +bearer +GROQ_API_KEY GROQ_BASE_URL +https:\/\/api\.groq\.com\/openai\/v1$/),
    );
    expect(lines.at(-1)).toBe(`${PROVIDER_DESCRIPTORS.length} providers`);
  });

  it('answers a wrong option with its usage and exit code 2', async () => {
    await expect(run('--yaml')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('Usage: switchyard providers [--json]') });
  });
});
