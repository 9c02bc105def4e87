import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configSchema, DEFAULT_REQUEST_LIMITS, loadConfig, modelOnlyFeatures, providerApiKeys, providerKinds } from '@switchyard/shared';
import { LocalRouterService } from '@switchyard/router';

/** The config example in the README is a real, valid config. */
describe('the README config example', () => {
  const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
  const example = readme.match(/```yaml\n([\s\S]*?)```/)![1];
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'switchyard-readme-')), 'switchyard.yaml');
  writeFileSync(file, example);
  const env = {
    OPENAI_API_KEY: 'sk-test',
    OPENAI_API_KEY_2: 'sk-test-2',
    ANTHROPIC_API_KEY: 'sk-ant-test',
    OPENAI_ORG: 'org-test',
    SWITCHYARD_POSTGRES_URL: 'postgres://u:p@db/switchyard',
    INFLUX_TOKEN: 'user:password',
    COHERE_API_KEY: 'co-test',
    MISTRAL_API_KEY: 'mi-test',
    GEMINI_API_KEY: 'ge-test',
    S3_ACCESS_KEY_ID: 'cold-key',
    S3_SECRET_ACCESS_KEY: 'cold-secret',
  };

  it('loads, and its routes resolve to the deployments it describes', async () => {
    const { config } = loadConfig(file, env);
    expect(Object.keys(config.providers)).toEqual(['openai', 'local', 'anthropic', 'cohere', 'mistral', 'bedrock', 'gemini', 'vertex']);
    // One example of every kind of provider.
    expect(new Set(Object.values(config.providers).map((provider) => provider.kind))).toEqual(
      new Set(providerKinds.filter((kind) => kind !== 'azure')),
    );
    const router = new LocalRouterService(config, { random: () => 0 });
    const context = { requestId: 'readme', signal: new AbortController().signal };
    const smart = await router.resolveRoute('smart', context);
    expect(smart.attempts.map((attempt) => [attempt.deployment.id, attempt.routePath])).toEqual([
      ['openai/gpt-4o', 'targets[0].targets[0]'],
      ['local/llama3.1', 'targets[1]'],
    ]);
    const cheap = [await router.resolveRoute('cheap', context), await router.resolveRoute('cheap', context)];
    expect(cheap.map((plan) => plan.attempts[0].deployment.providerId)).toEqual(['openai', 'local']);
    expect((await router.resolveRoute('claude-sonnet-4-5', context)).attempts[0].deployment.providerId).toBe('anthropic');
    const auto = (metadata: Record<string, string>) =>
      router
        .resolveRoute('auto', context, { ...modelOnlyFeatures('auto'), metadata })
        .then((plan) => plan.attempts.map((attempt) => attempt.routePath));
    expect(await auto({ tier: 'premium' })).toEqual(['targets[0].targets[0]', 'targets[0].targets[1]']);
    expect((await auto({}))[0]).toMatch(/^targets\[2\]\./);
  });

  it('has the prices, event and record settings it shows', () => {
    const { config } = loadConfig(file, env);
    expect(config.providers.openai.prices['gpt-4o-mini']).toEqual({ input: 0.15, output: 0.6, cachedInput: 0.075 });
    expect(config.events.kafka).toEqual({ brokers: ['kafka-0:9092', 'kafka-1:9092'], clientId: 'switchyard', topicPrefix: '' });
    expect(config.observability).toMatchObject({ postgresUrl: '${SWITCHYARD_POSTGRES_URL}', influx: { database: 'switchyard' } });
  });

  it('shows the breakers as they are by default, and a provider with two keys', () => {
    const { config } = loadConfig(file, env);
    expect(config.breakers).toEqual(configSchema.parse({}).breakers);
    expect(providerApiKeys(config.providers.openai, env)).toEqual(['sk-test', 'sk-test-2']);
  });

  it('shows the server bounds as they are by default, CORS off', () => {
    const { config } = loadConfig(file, env);
    expect(config.server).toMatchObject({
      headersTimeoutMs: 10_000,
      bodyTimeoutMs: 60_000,
      keepAliveTimeoutMs: 65_000,
      maxConnections: 4_096,
      cors: { allowedOrigins: [] },
      limits: DEFAULT_REQUEST_LIMITS,
    });
  });
});
