import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_REQUEST_LIMITS } from './config-schema';
import { ConfigError, loadConfig, providerApiKey, type ConfigRole } from './load-config';

function configFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'switchyard-config-')), 'switchyard.yaml');
  writeFileSync(path, text);
  return path;
}

function failure(path: string | undefined, env: Record<string, string> = {}, role?: ConfigRole): string {
  try {
    loadConfig(path, env, { role });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('loadConfig from the environment', () => {
  it('enables OpenAI from OPENAI_API_KEY, with any model accepted and the key kept as a reference', () => {
    const { config, source } = loadConfig(undefined, { OPENAI_API_KEY: 'sk-secret' });
    expect(source).toBe('environment');
    expect(config.providers.openai).toMatchObject({ kind: 'openai', apiKey: '${OPENAI_API_KEY}' });
    expect(config.providers.openai.models).toContain('gpt-4o-mini');
    expect(config.providers.openai.models?.at(-1)).toBe('*');
    expect(providerApiKey(config.providers.openai, { OPENAI_API_KEY: 'sk-secret' })).toBe('sk-secret');
    expect(JSON.stringify(config)).not.toContain('sk-secret');
  });

  it('enables a keyless OpenAI-compatible server from OPENAI_BASE_URL alone, with OPENAI_MODELS', () => {
    const { config } = loadConfig(undefined, { OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1', OPENAI_MODELS: 'llama3.1, qwen2' });
    expect(config.providers.openai).toMatchObject({ baseUrl: 'http://127.0.0.1:11434/v1', models: ['llama3.1', 'qwen2'] });
    expect(config.providers.openai.apiKey).toBeUndefined();
  });

  it("leaves the models of OPENAI_BASE_URL's server to discovery, not OpenAI's names", () => {
    const { config } = loadConfig(undefined, { OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' });
    expect(config.providers.openai).toMatchObject({ kind: 'openai', baseUrl: 'http://127.0.0.1:11434/v1' });
    expect(config.providers.openai.models).toBeUndefined();
  });

  it('enables Anthropic from ANTHROPIC_API_KEY with claude-* models', () => {
    const { config } = loadConfig(undefined, { ANTHROPIC_API_KEY: 'sk-ant' });
    expect(config.providers.anthropic).toMatchObject({ kind: 'anthropic', apiKey: '${ANTHROPIC_API_KEY}' });
    expect(config.providers.anthropic.models).toContain('claude-*');
  });

  it('reads ANTHROPIC_BASE_URL as Anthropic SDKs do, with or without /v1', () => {
    const base = (value: string) => loadConfig(undefined, { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: value }).config.providers.anthropic.baseUrl;
    expect(base('https://proxy.example.com')).toBe('https://proxy.example.com/v1');
    expect(base('https://proxy.example.com/')).toBe('https://proxy.example.com/v1');
    expect(base('https://proxy.example.com/v1')).toBe('https://proxy.example.com/v1');
  });

  it('starts with no provider, on PORT, with defaults', () => {
    const { config } = loadConfig(undefined, { PORT: '9090' });
    expect(config.providers).toEqual({});
    expect(config.server).toEqual({
      host: '127.0.0.1',
      allowUnauthenticated: false,
      port: 9090,
      bodyLimitBytes: 4 * 1024 * 1024,
      requestTimeoutMs: 600_000,
      headersTimeoutMs: 10_000,
      bodyTimeoutMs: 60_000,
      keepAliveTimeoutMs: 65_000,
      maxConnections: 4096,
      cors: { allowedOrigins: [] },
      limits: DEFAULT_REQUEST_LIMITS,
    });
    expect(config.services.router).toBe('127.0.0.1:50051');
  });

  it('rejects a PORT that is not a number', () => {
    expect(failure(undefined, { PORT: 'eighty' })).toMatch(/PORT must be a whole number/);
  });
});

describe('loadConfig: zero-config from each provider descriptor', () => {
  const providers = (env: Record<string, string>) => loadConfig(undefined, env).config.providers;

  it.each([
    ['groq', { GROQ_API_KEY: 'gsk-secret' }, { kind: 'openai', preset: 'groq', apiKey: '${GROQ_API_KEY}' }],
    ['deepseek', { DEEPSEEK_API_KEY: 'sk-secret' }, { kind: 'openai', preset: 'deepseek', apiKey: '${DEEPSEEK_API_KEY}' }],
    ['xai', { XAI_API_KEY: 'xai-secret' }, { kind: 'openai', preset: 'xai', apiKey: '${XAI_API_KEY}' }],
    ['openrouter', { OPENROUTER_API_KEY: 'sk-or-secret' }, { kind: 'openai', preset: 'openrouter', apiKey: '${OPENROUTER_API_KEY}' }],
    ['together', { TOGETHER_API_KEY: 'secret' }, { kind: 'openai', preset: 'together', apiKey: '${TOGETHER_API_KEY}' }],
    ['huggingface', { HUGGING_FACE_HUB_TOKEN: 'hf_secret' }, { kind: 'openai', preset: 'huggingface', apiKey: '${HUGGING_FACE_HUB_TOKEN}' }],
    ['zhipu', { ZHIPUAI_API_KEY: 'secret' }, { kind: 'openai', preset: 'zhipu', apiKey: '${ZHIPUAI_API_KEY}' }],
    ['gemini', { GOOGLE_API_KEY: 'AIza-secret' }, { kind: 'gemini', apiKey: '${GOOGLE_API_KEY}' }],
    ['cohere', { CO_API_KEY: 'secret' }, { kind: 'cohere', apiKey: '${CO_API_KEY}' }],
    ['mistral', { MISTRAL_API_KEY: 'secret' }, { kind: 'mistral', apiKey: '${MISTRAL_API_KEY}' }],
  ])('enables %s from its key variable, keeping the key a reference and the model list open', (id, env, expected) => {
    const provider = providers(env)[id];
    expect(provider).toMatchObject(expected);
    expect(provider.models).toBeUndefined();
    expect(provider.baseUrl).toBeUndefined();
    expect(JSON.stringify(provider)).not.toContain('secret');
    expect(providerApiKey(provider, env)).toBe(Object.values(env)[0]);
  });

  it("takes a hosted preset's base URL from its variable, and needs the key as well", () => {
    expect(providers({ GROQ_API_KEY: 'k', GROQ_BASE_URL: 'http://127.0.0.1:9/openai/v1' }).groq.baseUrl).toBe('http://127.0.0.1:9/openai/v1');
    expect(providers({ GROQ_BASE_URL: 'http://127.0.0.1:9/openai/v1' }).groq).toBeUndefined();
  });

  it('fills a base URL template from the environment, and waits for every variable it needs', () => {
    expect(providers({ CLOUDFLARE_API_TOKEN: 'k', CLOUDFLARE_ACCOUNT_ID: 'abc123' }).cloudflare).toMatchObject({
      preset: 'cloudflare',
      baseUrl: 'https://api.cloudflare.com/client/v4/accounts/abc123/ai/v1',
      apiKey: '${CLOUDFLARE_API_TOKEN}',
    });
    expect(providers({ CLOUDFLARE_API_TOKEN: 'k' }).cloudflare).toBeUndefined();
  });

  it('enables a keyless local server from its address alone', () => {
    expect(providers({ OLLAMA_HOST: '0.0.0.0' }).ollama).toEqual(expect.objectContaining({ preset: 'ollama', baseUrl: 'http://0.0.0.0:11434/v1' }));
    expect(providers({ OLLAMA_HOST: 'http://gpu-box:11500' }).ollama.baseUrl).toBe('http://gpu-box:11500/v1');
    expect(providers({ OLLAMA_HOST: '127.0.0.1:11434' }).ollama.apiKey).toBeUndefined();
    expect(providers({ VLLM_BASE_URL: 'http://127.0.0.1:8000/v1', VLLM_API_KEY: 'token' }).vllm).toMatchObject({
      baseUrl: 'http://127.0.0.1:8000/v1',
      apiKey: '${VLLM_API_KEY}',
    });
    expect(providers({ VLLM_API_KEY: 'token' }).vllm).toMatchObject({ preset: 'vllm', apiKey: '${VLLM_API_KEY}' });
  });

  it('enables the native kinds with the settings they need', () => {
    expect(
      providers({ AZURE_OPENAI_API_KEY: 'k', AZURE_OPENAI_ENDPOINT: 'https://r.openai.azure.com', OPENAI_API_VERSION: '2025-01-01' }).azure,
    ).toMatchObject({
      kind: 'azure',
      baseUrl: 'https://r.openai.azure.com',
      apiKey: '${AZURE_OPENAI_API_KEY}',
      apiVersion: '2025-01-01',
    });
    expect(providers({ AZURE_OPENAI_API_KEY: 'k' }).azure).toBeUndefined();
    expect(providers({ AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 's', AWS_REGION: 'eu-west-1' }).bedrock).toEqual(
      expect.objectContaining({ kind: 'bedrock', region: 'eu-west-1' }),
    );
    expect(providers({ AWS_BEARER_TOKEN_BEDROCK: 'b', AWS_REGION: 'us-east-1' }).bedrock.apiKey).toBe('${AWS_BEARER_TOKEN_BEDROCK}');
    expect(providers({ AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 's' }).bedrock).toBeUndefined();
    expect(
      providers({ GOOGLE_APPLICATION_CREDENTIALS: '/k.json', GOOGLE_CLOUD_PROJECT: 'p', GOOGLE_CLOUD_LOCATION: 'europe-west4' }).vertex,
    ).toMatchObject({
      kind: 'vertex',
      project: 'p',
      location: 'europe-west4',
    });
  });

  it("lists the providers in the descriptors' order, OpenAI first", () => {
    expect(Object.keys(providers({ GROQ_API_KEY: 'k', OPENAI_API_KEY: 'k', MISTRAL_API_KEY: 'k' }))).toEqual(['openai', 'mistral', 'groq']);
  });

  it('takes a preset in a file and names an unknown one by path', () => {
    const { config } = loadConfig(configFile('providers:\n  fast: { kind: openai, preset: groq, apiKey: "${GROQ_API_KEY}" }\n'), {
      GROQ_API_KEY: 'k',
    });
    expect(config.providers.fast).toMatchObject({ kind: 'openai', preset: 'groq' });
    expect(failure(configFile('providers:\n  x: { kind: openai, preset: grok }\n'))).toMatch(
      /providers\.x\.preset: must be an OpenAI-compatible preset .*groq/,
    );
    expect(failure(configFile('providers:\n  x: { kind: openai, preset: anthropic }\n'))).toMatch(/providers\.x\.preset/);
  });
});

describe('loadConfig from a YAML file', () => {
  const valid = `
server: { port: 8081 }
providers:
  openai:
    kind: openai
    apiKey: \${OPENAI_API_KEY}
    models: [gpt-4o]
    headers: { OpenAI-Organization: "\${OPENAI_ORG}" }
routes:
  smart:
    strategy: fallback
    targets:
      - { provider: openai, model: gpt-4o }
`;

  it('parses a valid file and lets PORT win', () => {
    const { config, source } = loadConfig(configFile(valid), { OPENAI_API_KEY: 'k', OPENAI_ORG: 'org', PORT: '7000' });
    expect(source).toMatch(/switchyard\.yaml$/);
    expect(config.server.port).toBe(7000);
    expect(config.providers.openai.timeoutMs).toBe(600_000);
    expect(config.routes.smart).toEqual({ strategy: 'fallback', targets: [{ provider: 'openai', model: 'gpt-4o' }] });
  });

  it('names missing environment variables by path', () => {
    const message = failure(configFile(valid), {});
    expect(message).toContain('providers.openai.apiKey: environment variable OPENAI_API_KEY is not set');
    expect(message).toContain('providers.openai.headers.OpenAI-Organization: environment variable OPENAI_ORG is not set');
  });

  it('refuses a secret written into the file', () => {
    const message = failure(configFile('providers:\n  openai: { kind: openai, apiKey: sk-live-123, models: ["*"] }\n'));
    expect(message).toContain('providers.openai.apiKey: must be a reference to an environment variable');
    expect(message).not.toContain('sk-live-123');
  });

  it('names the exact path and the expected value of a wrong field', () => {
    expect(failure(configFile('server: { port: "eighty" }\n'))).toMatch(/server\.port: .*expected number/);
    expect(failure(configFile('providers:\n  x: { kind: watsonx, models: [a] }\n'))).toMatch(/providers\.x\.kind: .*'openai' \| 'anthropic'/);
    expect(failure(configFile('providers:\n  x: { kind: openai, models: [a], colour: blue }\n'))).toMatch(/providers\.x: .*colour/);
  });

  it('reports unreadable and malformed files', () => {
    expect(failure('/nonexistent/switchyard.yaml')).toMatch(/cannot read config file/);
    expect(failure(configFile('providers: [unclosed\n'))).toMatch(/not valid YAML/);
  });
});

describe('loadConfig: who may reach the gateway', () => {
  const ADMIN_TOKEN = 'a-bootstrap-token-of-32-characters';

  it('listens on loopback without authentication by default', () => {
    const { config } = loadConfig(undefined, {});
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.auth).toEqual({ enabled: false, publicMetrics: true });
  });

  it('refuses another address without authentication, naming server.allowUnauthenticated', () => {
    const message = failure(configFile('server: { host: 0.0.0.0 }\n'));
    expect(message).toMatch(/server\.allowUnauthenticated: must be true to serve server\.host 0\.0\.0\.0 without authentication/);
    expect(failure(configFile('server: { host: "::" }\n'))).toMatch(/server\.allowUnauthenticated/);
    // The gateway alone is checked as the one process is.
    expect(failure(configFile('server: { host: 0.0.0.0 }\n'), {}, 'gateway')).toMatch(/server\.allowUnauthenticated/);
  });

  it('accepts another address when told to, or when authentication is on', () => {
    const exposed = configFile('server: { host: 0.0.0.0, allowUnauthenticated: true }\n');
    expect(loadConfig(exposed, {}).config.server).toMatchObject({ host: '0.0.0.0', allowUnauthenticated: true });
    const withToken = configFile('server: { host: 0.0.0.0 }\n');
    expect(loadConfig(withToken, { SWITCHYARD_ADMIN_TOKEN: ADMIN_TOKEN }).config.server.host).toBe('0.0.0.0');
    const enabled = configFile('server: { host: 0.0.0.0 }\nauth: { enabled: true, publicMetrics: false }\n');
    expect(loadConfig(enabled, {}).config.auth).toEqual({ enabled: true, publicMetrics: false });
    // Services that do not serve the HTTP API are not checked.
    expect(loadConfig(withToken, {}, { role: 'router' }).config.server.host).toBe('0.0.0.0');
  });

  it('refuses an admin token short enough to guess, without showing it', () => {
    const message = failure(undefined, { SWITCHYARD_ADMIN_TOKEN: 'hunter2' });
    expect(message).toMatch(/SWITCHYARD_ADMIN_TOKEN: must be at least 16 characters long/);
    expect(message).not.toContain('hunter2');
  });

  it('names the path of a malformed auth or retention setting', () => {
    expect(failure(configFile('auth: { enabled: yes-please }\n'))).toMatch(/auth\.enabled: /);
    expect(failure(configFile('auth: { adminToken: x }\n'))).toMatch(/auth: .*adminToken/);
    expect(failure(configFile('observability: { retentionDays: 0 }\n'))).toMatch(/observability\.retentionDays: /);
    expect(failure(configFile('observability: { queries: { maxWindowDays: -1 } }\n'))).toMatch(/observability\.queries\.maxWindowDays: /);
  });
});

describe('loadConfig: where events and records go', () => {
  it('uses the embedded bus and database by default', () => {
    const { config } = loadConfig(undefined, {});
    expect(config.events).toEqual({ spoolDirectory: '.switchyard/spool', spoolMaxBytes: 1024 ** 3, queueCapacity: 10_000, lingerMs: 50 });
    expect(config.observability).toEqual({
      dataDirectory: '.switchyard/data',
      consumerGroup: 'switchyard-observability',
      batchMaxEvents: 2_000,
      partitionsConcurrently: 3,
      metricsPort: 9464,
      sessionTimeoutMs: 30_000,
      queries: { defaultUsageWindowHours: 24, maxWindowDays: 31, statementTimeoutMs: 30_000 },
    });
    expect(config.services.observability).toBe('127.0.0.1:50053');
  });

  it('takes Kafka, Postgres, InfluxDB and the folders from the environment, keeping secrets as references', () => {
    const env = {
      SWITCHYARD_KAFKA_BROKERS: '10.0.0.1:9092, 10.0.0.2:9092',
      SWITCHYARD_POSTGRES_URL: 'postgres://u:hunter2@db/switchyard',
      SWITCHYARD_INFLUX_URL: 'http://influx:8086',
      SWITCHYARD_INFLUX_DATABASE: 'metrics',
      SWITCHYARD_INFLUX_TOKEN: 'user:secret',
      SWITCHYARD_SPOOL_DIR: '/var/lib/switchyard/spool',
      SWITCHYARD_DATA_DIR: '/var/lib/switchyard/db',
    };
    const { config } = loadConfig(undefined, env);
    expect(config.events).toMatchObject({
      kafka: { brokers: ['10.0.0.1:9092', '10.0.0.2:9092'], clientId: 'switchyard', topicPrefix: '' },
      spoolDirectory: '/var/lib/switchyard/spool',
    });
    expect(config.observability).toMatchObject({
      postgresUrl: '${SWITCHYARD_POSTGRES_URL}',
      dataDirectory: '/var/lib/switchyard/db',
      influx: { url: 'http://influx:8086', database: 'metrics', token: '${SWITCHYARD_INFLUX_TOKEN}' },
    });
    expect(JSON.stringify(config)).not.toMatch(/hunter2|secret/);
  });

  it('lets the environment override the file', () => {
    const path = configFile('events:\n  kafka:\n    brokers: ["file:9092"]\n    clientId: edge\n');
    const { config } = loadConfig(path, { SWITCHYARD_KAFKA_BROKERS: 'env:9092' });
    expect(config.events.kafka).toEqual({ brokers: ['env:9092'], clientId: 'edge', topicPrefix: '' });
  });

  it('names an unset variable that a connection URL refers to', () => {
    const path = configFile('observability:\n  postgresUrl: ${PG_URL}\n');
    expect(failure(path, {})).toMatch(/observability\.postgresUrl: environment variable PG_URL is not set/);
  });

  it('rejects a negative price and names it', () => {
    const path = configFile('providers:\n  openai:\n    kind: openai\n    models: ["*"]\n    prices:\n      gpt-4o: { input: -1, output: 2 }\n');
    expect(failure(path)).toMatch(/providers\.openai\.prices\.gpt-4o\.input/);
  });
});

describe('loadConfig: each role checks only the secrets it uses', () => {
  const file = () =>
    configFile(
      [
        'providers:',
        '  openai: { kind: openai, apiKey: "${OPENAI_API_KEY}", models: ["*"], headers: { Authorization: "Bearer ${OPENAI_PROXY_TOKEN}" } }',
        'observability:',
        '  postgresUrl: ${SWITCHYARD_POSTGRES_URL}',
        '  influx: { url: "http://influx:8086", token: "${SWITCHYARD_INFLUX_TOKEN}" }',
        '',
      ].join('\n'),
    );
  const providerEnv = { OPENAI_API_KEY: 'sk-live', OPENAI_PROXY_TOKEN: 'proxy-token' };
  const recordsEnv = { SWITCHYARD_POSTGRES_URL: 'postgres://app:hunter2@db/app', SWITCHYARD_INFLUX_TOKEN: 'user:secret' };

  it('starts the distributed gateway and the router with no secret at all', () => {
    expect(loadConfig(file(), { SWITCHYARD_KAFKA_BROKERS: 'kafka:9092' }, { role: 'gateway' }).config.providers.openai.apiKey).toBe(
      '${OPENAI_API_KEY}',
    );
    expect(Object.keys(loadConfig(file(), {}, { role: 'router' }).config.providers)).toEqual(['openai']);
  });

  it('starts the adapters with the provider secrets alone, and names the ones missing', () => {
    expect(loadConfig(file(), providerEnv, { role: 'adapters' }).config.providers.openai.kind).toBe('openai');
    const message = failure(file(), recordsEnv, 'adapters');
    expect(message).toContain('providers.openai.apiKey: environment variable OPENAI_API_KEY is not set');
    expect(message).toContain('providers.openai.headers.Authorization: environment variable OPENAI_PROXY_TOKEN is not set');
    expect(message).not.toMatch(/SWITCHYARD_POSTGRES_URL|SWITCHYARD_INFLUX_TOKEN/);
  });

  it('starts the observability service with the records secrets alone, and names the ones missing', () => {
    expect(loadConfig(file(), recordsEnv, { role: 'observability' }).config.observability.postgresUrl).toBe('${SWITCHYARD_POSTGRES_URL}');
    const message = failure(file(), providerEnv, 'observability');
    expect(message).toContain('observability.postgresUrl: environment variable SWITCHYARD_POSTGRES_URL is not set');
    expect(message).toContain('observability.influx.token: environment variable SWITCHYARD_INFLUX_TOKEN is not set');
    expect(message).not.toMatch(/OPENAI/);
  });

  it('checks every secret in one process (the default role)', () => {
    expect(failure(file(), providerEnv)).toContain('observability.postgresUrl: environment variable SWITCHYARD_POSTGRES_URL is not set');
    expect(failure(file(), recordsEnv, 'all')).toContain('providers.openai.apiKey: environment variable OPENAI_API_KEY is not set');
    expect(loadConfig(file(), { ...providerEnv, ...recordsEnv }).config.providers.openai.headers).toEqual({
      Authorization: 'Bearer ${OPENAI_PROXY_TOKEN}',
    });
  });
});

describe('loadConfig: secrets are only ever references', () => {
  const provider = (headers: string) => configFile(`providers:\n  openai: { kind: openai, models: ["*"], headers: ${headers} }\n`);

  it('refuses a literal credential header, by its exact path, without echoing it', () => {
    for (const [name, value] of [
      ['Authorization', 'Bearer sk-live-123'],
      ['x-api-key', 'sk-live-123'],
      ['api_key', 'sk-live-123'],
      ['X-Auth-Token', 'sk-live-123'],
      ['Cookie', 'session=sk-live-123'],
      ['Proxy-Authorization', 'Basic sk-live-123 ${NOT_ALONE}'],
    ]) {
      const message = failure(provider(`{ "${name}": "${value}" }`), { NOT_ALONE: 'x' });
      expect(message).toContain(`providers.openai.headers.${name}: must be a reference to an environment variable, such as \${API_TOKEN}`);
      expect(message).not.toContain('sk-live-123');
    }
  });

  it('takes a credential header as a reference, alone or after a scheme, and other headers as literals', () => {
    const { config } = loadConfig(
      provider('{ Authorization: "Bearer ${TOKEN}", x-api-key: "${TOKEN}", OpenAI-Beta: "assistants=v2", OpenAI-Organization: org-42 }'),
      { TOKEN: 'sk-live-123' },
    );
    expect(config.providers.openai.headers).toEqual({
      Authorization: 'Bearer ${TOKEN}',
      'x-api-key': '${TOKEN}',
      'OpenAI-Beta': 'assistants=v2',
      'OpenAI-Organization': 'org-42',
    });
  });

  it('refuses a connection URL with a literal password, by its exact path, without echoing it', () => {
    for (const url of ['postgres://app:hunter2@db/app', 'postgres://app@db/app?sslmode=require&password=hunter2']) {
      const message = failure(configFile(`observability:\n  postgresUrl: "${url}"\n`));
      expect(message).toContain('observability.postgresUrl: must be a reference to an environment variable, such as ${SWITCHYARD_POSTGRES_URL}');
      expect(message).not.toContain('hunter2');
    }
  });

  it('takes a connection URL that is a reference, holds no password, or takes its password from one', () => {
    const url = (value: string, env: Record<string, string> = {}) =>
      loadConfig(configFile(`observability:\n  postgresUrl: "${value}"\n`), env).config.observability.postgresUrl;
    expect(url('${PG_URL}', { PG_URL: 'postgres://app:hunter2@db/app' })).toBe('${PG_URL}');
    expect(url('postgres://app@db/app')).toBe('postgres://app@db/app');
    expect(url('postgres://app:${PGPASSWORD}@db/app', { PGPASSWORD: 'hunter2' })).toBe('postgres://app:${PGPASSWORD}@db/app');
  });

  it('refuses a password in the InfluxDB and provider URLs, which are sent as written', () => {
    expect(failure(configFile('observability:\n  influx: { url: "http://admin:hunter2@influx:8086" }\n'))).toContain(
      'observability.influx.url: must not hold a password; use observability.influx.token',
    );
    const message = failure(configFile('providers:\n  local: { kind: openai, baseUrl: "https://user:hunter2@llm.internal/v1", models: ["*"] }\n'));
    expect(message).toContain('providers.local.baseUrl: must not hold a password; use apiKey or headers');
    expect(message).not.toContain('hunter2');
  });
});

describe('the keys section', () => {
  it('defaults the key cache and has no OIDC issuer', () => {
    const { config } = loadConfig(undefined, {});
    expect(config.keys).toEqual({ cache: { maxEntries: 10_000, ttlMs: 60_000, negativeTtlMs: 10_000 } });
  });

  it('takes an OIDC issuer and names a bad one by path', () => {
    const { config } = loadConfig(configFile('keys: { oidc: { issuer: "https://login.example.com", audience: switchyard } }'), {});
    expect(config.keys.oidc).toEqual({ issuer: 'https://login.example.com', audience: 'switchyard' });
    expect(failure(configFile('keys: { oidc: { issuer: "not a url", audience: switchyard } }'))).toMatch(/keys\.oidc\.issuer/);
    expect(failure(configFile('keys: { cache: { ttlMs: 0 } }'))).toMatch(/keys\.cache\.ttlMs/);
  });
});

describe('loadConfig: the audit trail and provider secrets', () => {
  it('signs a checkpoint every 100 records and hourly, with a key kept beside the data, and needs no master key file', () => {
    const { config } = loadConfig(undefined, {});
    expect(config.audit).toEqual({ checkpointEvery: 100, checkpointIntervalMs: 3_600_000, signingKeyFile: '.switchyard/audit-signing-key.pem' });
    expect(config.providerCredentials).toEqual({});
  });

  it('takes them from a file, and names the exact path of a wrong value', () => {
    const { config } = loadConfig(
      configFile(
        'audit: { checkpointEvery: 10, signingKeyFile: /etc/switchyard/audit.pem }\nproviderCredentials: { masterKeyFile: /etc/switchyard/master.key }\n',
      ),
      {},
    );
    expect(config.audit.checkpointEvery).toBe(10);
    expect(config.audit.signingKeyFile).toBe('/etc/switchyard/audit.pem');
    expect(config.providerCredentials.masterKeyFile).toBe('/etc/switchyard/master.key');
    expect(failure(configFile('audit: { checkpointEvery: 0 }\n'))).toContain('audit.checkpointEvery');
    expect(failure(configFile('providerCredentials: { masterKey: abc }\n'))).toContain('providerCredentials');
  });
});
