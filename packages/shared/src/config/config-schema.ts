import { z } from 'zod';
import { analyticsConfigSchema } from './analytics-config';
import { configReloadConfigSchema } from './config-reload-config';
import { OPENAI_PRESET_IDS } from '../providers/provider-catalog';
import { routeTargetSchema } from './route-schema';
import { breakersConfigSchema } from './breakers-config';
import { cacheConfigSchema } from './cache-config';
import { embedderConfigSchema } from './embedder-config';
import { guardrailsConfigSchema } from './guardrails-config';
import { controlPlaneSchema } from './control-plane-config';
import { pluginsConfigSchema } from './plugins-config';
import { resilienceConfigSchema } from './resilience-config';
import { serverTlsSchema } from './server-tls-config';
import { semanticServiceSchema } from './semantic-service-config';
import { semanticRoutingConfigSchema } from './semantic-routing-config';
import { memoryConfigSchema } from './memory-config';
import { tracesConfigSchema } from './traces-config';
import { vectorStoreConfigSchema } from './vector-store-config';
import { alertsConfigSchema } from './alerts-config';
import { coldStorageConfigSchema } from './cold-storage-config';
import { telemetryConfigSchema } from './telemetry-config';
import { dashboardConfigSchema } from './dashboard-config';
import { edgeConfigSchema } from './edge-config';

/**
 * The one configuration schema, parsed at boot. See the README's config
 * reference for every field.
 */

const durationMs = z.number().int().positive();

/** `${NAME}`: a secret is only ever a reference to an environment variable. */
export const ENV_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/**
 * Headers whose value is a credential: their value must be a reference,
 * alone or after an authentication scheme (`Bearer ${API_TOKEN}`). Other
 * headers (`OpenAI-Beta: assistants=v2`) may be literal.
 */
export const SECRET_HEADER_NAME = /authorization|api[-_]?key|token|secret|password|cookie|credential/i;
const SCHEME_AND_REFERENCE = /^(?:[A-Za-z][A-Za-z0-9-]* )?\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;
const REFERENCE_MESSAGE = 'must be a reference to an environment variable, such as ${API_TOKEN} (after a scheme if needed: Bearer ${API_TOKEN})';

/** The password a URL embeds (`user:password@host`, or `?password=`), if any. */
export function urlPasswords(value: string): string[] {
  const passwords: string[] = [];
  const userInfo = value.match(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)@/)?.[1];
  const colon = userInfo?.indexOf(':') ?? -1;
  if (userInfo !== undefined && colon >= 0 && colon < userInfo.length - 1) passwords.push(userInfo.slice(colon + 1));
  for (const match of value.matchAll(/[?&](?:ssl)?password=([^&#]*)/gi)) if (match[1]) passwords.push(match[1]);
  return passwords;
}

/** A connection URL: a password in it is only ever a reference (`postgres://app:${PGPASSWORD}@db/app`, or the whole URL as `${DATABASE_URL}`). */
const connectionUrl = z
  .string()
  .min(1)
  .refine((value) => urlPasswords(value).every((password) => ENV_REFERENCE.test(password)), {
    message:
      'must be a reference to an environment variable, such as ${SWITCHYARD_POSTGRES_URL}, since it holds a password (or only its password: postgres://app:${PGPASSWORD}@db/app)',
  });

/** A URL that is sent as it is written, so it may hold no password at all. */
const urlWithoutPassword = (use: string) =>
  z.url().refine((value) => urlPasswords(value).length === 0, { message: `must not hold a password; ${use}` });

/**
 * Each default that another package also applies (the event publishers),
 * written once: `@switchyard/events` imports these.
 */
export const EVENTS_DEFAULTS = {
  clientId: 'switchyard',
  topicPrefix: '',
  spoolDirectory: '.switchyard/spool',
  spoolMaxBytes: 1024 ** 3,
  queueCapacity: 10_000,
  lingerMs: 50,
} as const;

/**
 * Wire formats with an adapter of their own. `openai` serves OpenAI and every
 * OpenAI-compatible server (a `preset` names a known vendor's defaults).
 */
export const providerKinds = ['openai', 'anthropic', 'azure', 'bedrock', 'gemini', 'vertex', 'cohere', 'mistral'] as const;
export type ProviderKind = (typeof providerKinds)[number];

const envReference = (example: string) => z.string().regex(ENV_REFERENCE, `must be a reference to an environment variable, such as \${${example}}`);

/** The rates a long-context tier changes; absent ones keep the base rate. */
const tierRates = {
  input: z.number().nonnegative().optional(),
  output: z.number().nonnegative().optional(),
  cachedInput: z.number().nonnegative().optional(),
  cacheWrite: z.number().nonnegative().optional(),
  reasoning: z.number().nonnegative().optional(),
};

/** USD per million tokens, as providers publish them. */
export const modelPriceSchema = z.strictObject({
  /** Input tokens that were neither read from nor written to a prompt cache. */
  input: z.number().nonnegative(),
  /** Output tokens, reasoning included unless `reasoning` prices those. */
  output: z.number().nonnegative(),
  /** Input tokens read from the prompt cache; `input` when absent. */
  cachedInput: z.number().nonnegative().optional(),
  /** Input tokens written to the prompt cache; `input` when absent. */
  cacheWrite: z.number().nonnegative().optional(),
  /** Reasoning (thinking) output tokens; `output` when absent. */
  reasoning: z.number().nonnegative().optional(),
  /** Audio input tokens (transcription models billed by tokens); `input` when absent. */
  audioInput: z.number().nonnegative().optional(),
  /** USD per minute of audio, for transcription models billed by duration (`whisper-1`). */
  audioPerMinute: z.number().nonnegative().optional(),
  /**
   * Long-context rates: once a request's input (cached tokens included) exceeds
   * `inputTokensAbove`, every token of it is priced at the highest such tier's
   * rates (the whole request, not only the tokens past the threshold).
   */
  tiers: z
    .array(z.strictObject({ inputTokensAbove: z.number().int().nonnegative(), ...tierRates }))
    .min(1)
    .optional(),
});

/** What every kind of provider has. */
const providerBase = {
  baseUrl: urlWithoutPassword('use apiKey or headers').optional(),
  apiKey: envReference('OPENAI_API_KEY').optional(),
  /** More keys for the same provider (after `apiKey` if both are set): each call takes the one with the most rate limit left. */
  apiKeys: z.array(envReference('OPENAI_API_KEY_2')).min(1).optional(),
  /**
   * Model names served, or glob patterns such as `claude-*`; `*` accepts any
   * model. Absent: the provider's own list (discovered from an
   * OpenAI-compatible server's `GET /models`, or the catalog's).
   */
  models: z.array(z.string().min(1)).min(1).optional(),
  timeoutMs: durationMs.default(600_000),
  /**
   * Extra headers sent upstream; values may reference environment variables,
   * and those of credential headers (`SECRET_HEADER_NAME`) must.
   */
  headers: z
    .record(z.string(), z.string())
    .superRefine((headers, context) => {
      for (const [name, value] of Object.entries(headers)) {
        if (SECRET_HEADER_NAME.test(name) && !SCHEME_AND_REFERENCE.test(value)) {
          context.addIssue({ code: 'custom', path: [name], message: REFERENCE_MESSAGE });
        }
      }
    })
    .default({}),
  /** Prices by model name or glob pattern (first match wins); they override the catalog's. */
  prices: z.record(z.string().min(1), modelPriceSchema).default({}),
  /** Drop request parameters this provider cannot honour (reported in a response header) instead of answering 400. */
  dropUnsupportedParams: z.boolean().default(false),
};

export const openAIProviderSchema = z.strictObject({
  kind: z.literal('openai'),
  /** A known OpenAI-compatible vendor (`groq`, `ollama`, ...): its base URL, auth scheme and parameter rules (`switchyard providers`). */
  preset: z
    .string()
    .min(1)
    .refine((id) => OPENAI_PRESET_IDS.includes(id), {
      message: `must be an OpenAI-compatible preset (switchyard providers lists them): ${OPENAI_PRESET_IDS.join(', ')}`,
    })
    .optional(),
  /** Whether `/v1/responses` is passed through to this server's own `POST /responses` (default: OpenAI itself and the xai preset). */
  responsesApi: z.boolean().optional(),
  ...providerBase,
});

export const anthropicProviderSchema = z.strictObject({
  kind: z.literal('anthropic'),
  ...providerBase,
});

/** Azure OpenAI: `baseUrl` is the resource (`https://<resource>.openai.azure.com`). */
export const azureProviderSchema = z.strictObject({
  kind: z.literal('azure'),
  ...providerBase,
  apiVersion: z.string().min(1).default('2024-10-21'),
  /** Whether `/v1/responses` is passed through to the resource's `POST /openai/v1/responses` (default: true). */
  responsesApi: z.boolean().optional(),
  /** Deployment name by model name; a model without one is its own deployment name. */
  deployments: z.record(z.string().min(1), z.string().min(1)).default({}),
  /** Microsoft Entra ID client credentials, instead of an `api-key`. */
  entra: z
    .strictObject({
      tenantId: z.string().min(1),
      clientId: z.string().min(1),
      clientSecret: envReference('AZURE_CLIENT_SECRET'),
      /** Token endpoint root, for sovereign clouds and tests. */
      authorityUrl: z.url().default('https://login.microsoftonline.com'),
    })
    .optional(),
});

/**
 * AWS Bedrock: SigV4 from the standard credential chain (environment, then the shared credentials or
 * config file profile), or a Bedrock API key as `apiKey` (else AWS_BEARER_TOKEN_BEDROCK when set).
 * `baseUrl` defaults to `https://bedrock-runtime.{region}.amazonaws.com`.
 */
export const bedrockProviderSchema = z.strictObject({
  kind: z.literal('bedrock'),
  ...providerBase,
  /** Default: AWS_REGION, then AWS_DEFAULT_REGION. */
  region: z.string().min(1).optional(),
  /** A named profile of the shared credentials file; default AWS_PROFILE, then `default`. */
  profile: z.string().min(1).optional(),
});

/** Google's Gemini API (generativelanguage.googleapis.com), with an API key. */
export const geminiProviderSchema = z.strictObject({
  kind: z.literal('gemini'),
  ...providerBase,
});

/** Gemini on Vertex AI: a project and region, a service account (its key file) or an access token. */
export const vertexProviderSchema = z.strictObject({
  kind: z.literal('vertex'),
  ...providerBase,
  project: z.string().min(1),
  location: z.string().min(1).default('us-central1'),
  /** Path of a service-account key file; default GOOGLE_APPLICATION_CREDENTIALS. */
  serviceAccountKeyFile: z.string().min(1).optional(),
  /** An OAuth access token, used as it is (refreshed by whoever sets it). */
  accessToken: envReference('GOOGLE_ACCESS_TOKEN').optional(),
});

/** Cohere's v2 API; `baseUrl` default `https://api.cohere.com/v2`. */
export const cohereProviderSchema = z.strictObject({
  kind: z.literal('cohere'),
  ...providerBase,
  /** The `input_type` of embedding requests (Embed v3 and newer require one): documents to search, or queries. */
  embedInputType: z.enum(['search_document', 'search_query', 'classification', 'clustering']).default('search_document'),
});

/** Mistral's own API; `baseUrl` default `https://api.mistral.ai/v1`. */
export const mistralProviderSchema = z.strictObject({
  kind: z.literal('mistral'),
  ...providerBase,
});

export const providerSchema = z.discriminatedUnion('kind', [
  openAIProviderSchema,
  anthropicProviderSchema,
  azureProviderSchema,
  bedrockProviderSchema,
  geminiProviderSchema,
  vertexProviderSchema,
  cohereProviderSchema,
  mistralProviderSchema,
]);

/** Bounds of one request's content, enforced at the gateway's edge before anything else reads it. */
export const requestLimitsSchema = z.strictObject({
  /** Characters of `model`. */
  modelMaxLength: z.number().int().positive().default(256),
  /** Characters of the body's `user`. */
  userMaxLength: z.number().int().positive().default(256),
  /** Keys of `metadata` (body) and of the `x-switchyard-metadata` header. */
  metadataMaxKeys: z.number().int().positive().default(32),
  metadataKeyMaxLength: z.number().int().positive().default(64),
  metadataValueMaxLength: z.number().int().positive().default(512),
  /** Characters of any one `x-switchyard-*` request header. */
  headerValueMaxLength: z.number().int().positive().default(8_192),
  /** Nesting of arrays and objects anywhere in a body (tools, schemas, unknown fields alike). */
  jsonMaxDepth: z.number().int().positive().default(64),
  /** Values (objects, arrays, strings, numbers…) anywhere in a body. */
  jsonMaxValues: z.number().int().positive().default(100_000),
  /** Inputs of one embeddings request (OpenAI's own cap). */
  embeddingMaxInputs: z.number().int().positive().default(2_048),
  /** Characters of all the inputs of one embeddings request together. */
  embeddingMaxTotalLength: z.number().int().positive().default(1_000_000),
});

export type RequestLimits = z.infer<typeof requestLimitsSchema>;

/** The limits of a config that sets none. */
export const DEFAULT_REQUEST_LIMITS: RequestLimits = requestLimitsSchema.parse({});

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      /**
       * Address to listen on. Loopback by default: without authentication
       * (no SWITCHYARD_ADMIN_TOKEN, `auth.enabled` false) any other address
       * needs `allowUnauthenticated`.
       */
      host: z.string().min(1).default('127.0.0.1'),
      /** Serve unauthenticated requests on an address other than loopback (warned about at every start). */
      allowUnauthenticated: z.boolean().default(false),
      port: z.number().int().min(0).max(65535).default(8080),
      /** Largest accepted request body, in bytes. */
      bodyLimitBytes: z
        .number()
        .int()
        .positive()
        .default(4 * 1024 * 1024),
      /** Deadline for one whole request, fallbacks included. */
      requestTimeoutMs: durationMs.default(600_000),
      /** A client must send a request's headers within this long of starting it (408 after). */
      headersTimeoutMs: durationMs.default(10_000),
      /** A client must send a whole request body within this long of its headers (408, connection closed). */
      bodyTimeoutMs: durationMs.default(60_000),
      /** An idle keep-alive connection is closed after this long. */
      keepAliveTimeoutMs: durationMs.default(65_000),
      /** Connections open at once; past this, new ones are closed on arrival (and counted). */
      maxConnections: z.number().int().positive().default(4_096),
      /** Browser origins allowed to call the API (CORS); none by default. */
      cors: z
        .strictObject({
          allowedOrigins: z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'must be an origin such as https://app.example.com')).default([]),
        })
        .prefault({}),
      /** Bounds of what one request may carry; each one passed is a 400 naming the field. */
      limits: requestLimitsSchema.prefault({}),
      /** Serve HTTPS with this certificate and key (reloaded when the files change); plain HTTP without. */
      tls: serverTlsSchema.optional(),
    })
    .prefault({}),
  /** Authentication at the gateway's edge; on whenever SWITCHYARD_ADMIN_TOKEN is set. */
  auth: z
    .strictObject({
      /** Require a credential on every route but the public ones, even without SWITCHYARD_ADMIN_TOKEN. */
      enabled: z.boolean().default(false),
      /** `/metrics` answers without a credential (as `/healthz` and `/readyz` always do). */
      publicMetrics: z.boolean().default(true),
    })
    .prefault({}),
  providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lower-case letters, digits, - or _'), providerSchema).default({}),
  /**
   * The model lists of providers configured without `models`, asked of the
   * provider itself (an OpenAI-compatible server's `GET /models`) by the
   * adapter service, and passed on to the router.
   */
  modelDiscovery: z
    .strictObject({
      /** How often each provider's list is asked for again; a failed ask keeps the last list (and is logged). */
      refreshIntervalMs: durationMs.default(300_000),
      /** How long one ask may take. */
      timeoutMs: durationMs.default(10_000),
      /** Distributed mode: how often the router asks the adapter service for the lists (it keeps the last ones meanwhile). */
      followIntervalMs: durationMs.default(5_000),
    })
    .prefault({}),
  /** Aliases: a model name that clients use, resolved by a strategy tree. */
  routes: z.record(z.string().min(1), routeTargetSchema).default({}),
  /** Retries, fallback by failure kind, attempt timeouts and hedging (resilience-config.ts). */
  resilience: resilienceConfigSchema.prefault({}),
  /** Addresses of the other services, for distributed mode. */
  services: z
    .strictObject({
      router: z.string().default('127.0.0.1:50051'),
      adapters: z.string().default('127.0.0.1:50052'),
      /** Deadline of one gRPC call that is not a stream. */
      observability: z.string().default('127.0.0.1:50053'),
      /** The semantic service: embeddings, vectors and guardrail checks of the semantic plugins. */
      semantic: z.string().default('127.0.0.1:50054'),
      /** Deadline of one gRPC call that is not a stream. */
      callTimeoutMs: durationMs.default(600_000),
    })
    .prefault({}),
  /** Distributed mode: how the gateway follows the router's snapshots. */
  controlPlane: controlPlaneSchema,
  /** Distributed mode: how gateways call the semantic service (semantic-service-config.ts). */
  semanticService: semanticServiceSchema,
  /**
   * TLS between the services (distributed mode): every gRPC server and client.
   * Paths of PEM files, read at start and again whenever they change.
   */
  tls: z
    .strictObject({
      /** CA bundle that the other side's certificate must chain to; required once TLS is on. */
      ca: z.string().min(1).optional(),
      /** This process's certificate chain: served by its gRPC server, and presented as its client certificate. */
      cert: z.string().min(1).optional(),
      /** The private key of `cert`. */
      key: z.string().min(1).optional(),
      /** Servers refuse clients without a certificate signed by `ca`; the adapter service always does. */
      requireClientCert: z.boolean().default(true),
      /** Name checked in the servers' certificates instead of the host dialled (e.g. when dialling an IP). */
      serverName: z.string().min(1).optional(),
      /** How often the files are checked for a renewed certificate. */
      reloadIntervalMs: durationMs.default(10_000),
      /** Allows plaintext gRPC on a non-loopback address (warned about at every start). */
      allowInsecure: z.boolean().default(false),
    })
    .superRefine((tls, context) => {
      if ((tls.cert === undefined) !== (tls.key === undefined)) {
        const missing = tls.cert === undefined ? 'cert' : 'key';
        context.addIssue({ code: 'custom', path: [missing], message: `is required with tls.${missing === 'cert' ? 'key' : 'cert'}` });
      }
      if (tls.ca === undefined && tls.cert !== undefined) {
        context.addIssue({ code: 'custom', path: ['ca'], message: 'is required with tls.cert: the CA that verifies the other services' });
      }
    })
    .prefault({}),
  /** Where request events go. */
  events: z
    .strictObject({
      /** Kafka, for distributed mode. Embedded mode always uses an in-process bus. */
      kafka: z
        .strictObject({
          brokers: z.array(z.string().min(1)).min(1),
          clientId: z.string().min(1).default(EVENTS_DEFAULTS.clientId),
          /** Put before every topic name (e.g. `staging.`), for environments sharing one cluster. */
          topicPrefix: z
            .string()
            .regex(/^[\w.-]*$/, 'may hold only letters, digits, ., _ and -')
            .default(EVENTS_DEFAULTS.topicPrefix),
        })
        .optional(),
      /** Events wait here on disk while Kafka is unreachable. */
      spoolDirectory: z.string().min(1).default(EVENTS_DEFAULTS.spoolDirectory),
      spoolMaxBytes: z.number().int().positive().default(EVENTS_DEFAULTS.spoolMaxBytes),
      /** Events held in memory before they spill to the spool. */
      queueCapacity: z.number().int().positive().default(EVENTS_DEFAULTS.queueCapacity),
      /**
       * How long events wait for more before a batch goes out: longer means
       * fewer, larger batches (each Kafka send, and each write to the embedded
       * database, ~2.5 ms, has a fixed cost), at the price of records
       * appearing later. 50 ms: see bench/RESULTS.md "Events".
       */
      lingerMs: z.number().int().min(0).max(10_000).default(EVENTS_DEFAULTS.lingerMs),
    })
    .prefault({}),
  /** Where recorded requests are stored. */
  observability: z
    .strictObject({
      /** Postgres connection URL, usually `${SWITCHYARD_POSTGRES_URL}`. Without it, an embedded database is used. */
      postgresUrl: connectionUrl.optional(),
      /**
       * Folder of the embedded database (used without `postgresUrl`);
       * `memory://` keeps it in memory, gone at exit, and costs a fresh
       * initdb (~4 s) at every start.
       */
      dataDirectory: z.string().min(1).default('.switchyard/data'),
      influx: z
        .strictObject({
          url: urlWithoutPassword('use observability.influx.token'),
          database: z.string().min(1).default('switchyard'),
          /** `${ENV}` reference; empty when InfluxDB runs without auth. */
          token: z.string().regex(ENV_REFERENCE, 'must be a reference to an environment variable, such as ${INFLUX_TOKEN}').optional(),
        })
        .optional(),
      /** Kafka consumer group of the observability service. */
      consumerGroup: z.string().min(1).default('switchyard-observability'),
      /** Events written, then committed, at a time by the consumer. */
      batchMaxEvents: z.number().int().positive().default(2_000),
      /** Partitions one consumer writes at the same time (each partition stays in order). */
      partitionsConcurrently: z.number().int().positive().default(3),
      /** HTTP port of the observability service's `/metrics` and `/healthz` (on `server.host`). */
      metricsPort: z.number().int().min(0).max(65535).default(9464),
      /** Kafka group session timeout: a consumer that stopped answering loses its partitions after this long (the broker's minimum is 6000). */
      sessionTimeoutMs: durationMs.default(30_000),
      /** Request data (records, usage, costs) older than this many days is purged, hourly; absent: kept forever. */
      retentionDays: z.number().int().positive().optional(),
      /** Records older than `afterDays` moved to S3-compatible storage and read back by queries (cold-storage-config.ts). */
      coldStorage: coldStorageConfigSchema.optional(),
      /** Bounds of `/v1/requests` and `/v1/usage`. */
      queries: z
        .strictObject({
          /** `/v1/usage` without `from` covers this many hours before `to` (default now). */
          defaultUsageWindowHours: z.number().int().positive().default(24),
          /** Widest `from`..`to` a query may span (400 naming `from` past it); `/v1/requests` without `from` covers this much. */
          maxWindowDays: z.number().int().positive().default(31),
          /** Each query's `statement_timeout` on Postgres (504 `query_timeout` past it). */
          statementTimeoutMs: durationMs.default(30_000),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Rate limits and budgets (services/auth/README.md); none by default. */
  governance: z
    .strictObject({
      /**
       * Redis holding limits and spend, shared by every gateway (usually
       * `${SWITCHYARD_REDIS_URL}`); without it they live in the process.
       */
      redisUrl: connectionUrl.optional(),
      /** When Redis cannot be reached: `open` admits the request (logged, counted), `closed` answers 503. */
      onRedisFailure: z.enum(['open', 'closed']).default('open'),
      /** A Redis command slower than this counts as a failure. */
      redisTimeoutMs: durationMs.default(250),
      rateLimits: z
        .array(
          z
            .strictObject({
              /** What each bucket counts: every key, workspace, user (the body's `user`) or requested model apart. */
              scope: z.enum(['key', 'workspace', 'user', 'model']),
              /** Only these names (exact, or a trailing `*` pattern); every one without it. */
              match: z.string().min(1).optional(),
              requestsPerMinute: z.number().int().positive().optional(),
              tokensPerMinute: z.number().int().positive().optional(),
              /** Which tokens `tokensPerMinute` counts. */
              tokenKind: z.enum(['input', 'output', 'total']).default('total'),
            })
            .refine((rule) => rule.requestsPerMinute !== undefined || rule.tokensPerMinute !== undefined, {
              message: 'needs requestsPerMinute or tokensPerMinute',
            }),
        )
        .default([]),
      budgets: z
        .array(
          z.strictObject({
            scope: z.enum(['key', 'workspace', 'user']),
            match: z.string().min(1).optional(),
            /** USD per period; requests are refused (402 `budget_exceeded`) once the spend reaches it. */
            limitUsd: z.number().positive(),
            period: z.enum(['day', 'week', 'month']),
            /** IANA time zone where periods start (midnight; weeks on Monday). */
            timezone: z
              .string()
              .default('UTC')
              .refine((zone) => isTimeZone(zone), { message: 'must be an IANA time zone, such as UTC or Europe/Paris' }),
            /** Percent of `limitUsd` at which the webhook alert fires, once per period; none without it. */
            alertAtPercent: z.number().gt(0).max(100).optional(),
          }),
        )
        .default([]),
      /** Where budget alerts are POSTed (JSON). */
      alertWebhookUrl: urlWithoutPassword('a webhook URL is sent as written').optional(),
    })
    .prefault({}),
  breakers: breakersConfigSchema,
  /** Turns text into vectors for the semantic plugins (services/semantic/README.md). */
  embedder: embedderConfigSchema,
  /** The guardrails plugin (guardrails-config.ts). */
  guardrails: guardrailsConfigSchema,
  /** Virtual API keys and admin sign-in (services/auth/README.md); the secrets themselves come from the environment. */
  keys: z
    .strictObject({
      /** The in-process cache of verified keys; revocations reach it over Redis (`governance.redisUrl`) or in process. */
      cache: z
        .strictObject({
          maxEntries: z.number().int().positive().default(10_000),
          /** How long a verified key is trusted before the database is asked again. */
          ttlMs: durationMs.default(60_000),
          /** How long an unknown or dead key is remembered. */
          negativeTtlMs: durationMs.default(10_000),
        })
        .prefault({}),
      /** An external OpenID Connect issuer whose JWTs the admin API accepts (its `sub` must be a member). */
      oidc: z
        .strictObject({
          issuer: urlWithoutPassword('an issuer URL is public'),
          audience: z.string().min(1),
          /** Default `<issuer>/.well-known/jwks.json`. */
          jwksUrl: urlWithoutPassword('a JWKS URL is public').optional(),
        })
        .optional(),
    })
    .prefault({}),
  /** The audit trail (services/auth/src/audit). */
  audit: z
    .strictObject({
      /** A signed checkpoint of the chain's head is written with every this many records. */
      checkpointEvery: z.number().int().positive().default(100),
      /** Also sign the head this often when records were added since the last checkpoint; 0 turns it off. */
      checkpointIntervalMs: z.number().int().min(0).default(3_600_000),
      /**
       * Ed25519 private key (PKCS#8 PEM) that signs checkpoints; the embedded mode generates it
       * here (mode 0600) on first start. `SWITCHYARD_AUDIT_SIGNING_KEY` (the PEM itself) or
       * `SWITCHYARD_AUDIT_SIGNING_KEY_FILE` override it.
       */
      signingKeyFile: z.string().min(1).default('.switchyard/audit-signing-key.pem'),
    })
    .prefault({}),
  /** Provider credentials stored, encrypted, through the admin API (services/auth/src/secrets). */
  providerCredentials: z
    .strictObject({
      /**
       * File holding the master key (base64 of 32 bytes) that wraps the data keys.
       * `SWITCHYARD_MASTER_KEY` (the base64 itself) or `SWITCHYARD_MASTER_KEY_FILE` override it.
       */
      masterKeyFile: z.string().min(1).optional(),
    })
    .prefault({}),
  /** Reloading the config file while running (config-reload-config.ts). */
  configReload: configReloadConfigSchema,
  cache: cacheConfigSchema,
  /** The gateway's plugin pipeline: order per workspace and route, custom plugin modules (plugins-config.ts). */
  plugins: pluginsConfigSchema,
  /** Intent routing by example utterances (semantic-routing-config.ts). */
  semanticRouting: semanticRoutingConfigSchema,
  /** Conversation memory per session (memory-config.ts). */
  memory: memoryConfigSchema,
  /** Where the semantic plugins keep vectors: embedded HNSW or Weaviate (vector-store-config.ts). */
  vectorStore: vectorStoreConfigSchema,
  /** Traces applications send over OTLP/HTTP (traces-config.ts). */
  traces: tracesConfigSchema,
  /** Alert rules and their webhook channels (alerts-config.ts). */
  alerts: alertsConfigSchema,
  /** Where each request's country comes from: a trusted header or the offline GeoIP table (analytics-config.ts). */
  analytics: analyticsConfigSchema,
  telemetry: telemetryConfigSchema,
  /** The web dashboard at /ui (dashboard-config.ts). */
  dashboard: dashboardConfigSchema,
  /** Omi wearable audio: /v4/listen, /v4/web/listen, /v1/sync-local-files (edge-config.ts). */
  edge: edgeConfigSchema,
});

export type SwitchyardConfig = z.infer<typeof configSchema>;
export type GovernanceConfig = SwitchyardConfig['governance'];
export type RateLimitRule = GovernanceConfig['rateLimits'][number];
export type BudgetRule = GovernanceConfig['budgets'][number];

/** Whether `zone` is a time zone this runtime knows. */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
export type ProviderConfig = z.infer<typeof providerSchema>;
/** The config of one kind of provider. */
export type ProviderConfigOf<K extends ProviderKind> = Extract<ProviderConfig, { kind: K }>;
export type ModelPrice = z.infer<typeof modelPriceSchema>;
