import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from './config-schema';
import { ConfigError, loadConfig, providerApiKeys } from './load-config';

function configFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'switchyard-breakers-')), 'switchyard.yaml');
  writeFileSync(path, text);
  return path;
}

function failure(text: string, env: Record<string, string> = {}): string {
  try {
    loadConfig(configFile(text), env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('breakers config', () => {
  it('has defaults: on, 50 % over 10 attempts in 10 s, open 30 s, deployment failures only', () => {
    expect(configSchema.parse({}).breakers).toEqual({
      enabled: true,
      errorThresholdPercent: 50,
      minimumRequests: 10,
      windowMs: 10_000,
      openMs: 30_000,
      probeTimeoutMs: 60_000,
      countedFailures: ['server_error', 'timeout', 'connection', 'bad_response'],
      keyCooldownMs: 5_000,
    });
  });

  it('names the exact path of a bad value', () => {
    expect(failure('breakers:\n  errorThresholdPercent: 0\n')).toContain('breakers.errorThresholdPercent');
    expect(failure('breakers:\n  countedFailures: [server_error, teapot]\n')).toContain('breakers.countedFailures[1]');
    expect(failure('breakers:\n  minimumRequests: 2.5\n')).toContain('breakers.minimumRequests');
    expect(failure('breakers:\n  openSeconds: 3\n')).toMatch(/breakers.*openSeconds/);
  });
});

describe('several API keys for one provider', () => {
  const yaml = 'providers:\n  openai:\n    kind: openai\n    apiKey: ${KEY_ONE}\n    apiKeys: ["${KEY_TWO}", "${KEY_ONE}"]\n';

  it('takes apiKey then apiKeys, resolved, each once', () => {
    const { config } = loadConfig(configFile(yaml), { KEY_ONE: 'sk-one', KEY_TWO: 'sk-two' });
    expect(config.providers.openai.apiKeys).toEqual(['${KEY_TWO}', '${KEY_ONE}']);
    expect(providerApiKeys(config.providers.openai, { KEY_ONE: 'sk-one', KEY_TWO: 'sk-two' })).toEqual(['sk-one', 'sk-two']);
    expect(JSON.stringify(config)).not.toContain('sk-');
  });

  it('accepts only references to environment variables, and names the one not set', () => {
    expect(failure('providers:\n  openai:\n    kind: openai\n    apiKeys: [sk-literal-key]\n')).toContain('providers.openai.apiKeys[0]');
    expect(failure(yaml, { KEY_ONE: 'sk-one' })).toContain('providers.openai.apiKeys[0]: environment variable KEY_TWO is not set');
  });
});
