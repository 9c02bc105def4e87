/**
 * The servers integration tests talk to: PostgreSQL, Redis, Kafka, InfluxDB and Weaviate, started on loopback by
 * `scripts/services.sh up` (scripts/test.sh does it before jest). The addresses come from the same
 * environment variables as the script, with the same defaults.
 *
 * A suite that needs a server calls `requirePostgres()` (etc.) in `beforeAll`: when the server does not
 * answer, it throws and the suite fails, loudly; it never skips. Fault tests that stop and restart a
 * server use a dedicated instance of their own (`startDedicatedKafka()`, `startDedicatedPostgres()`),
 * never the shared one.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';

export const POSTGRES_URL = process.env.SWITCHYARD_POSTGRES_URL ?? 'postgres://switchyard:switchyard@127.0.0.1:55432/switchyard';
export const REDIS_URL = process.env.SWITCHYARD_REDIS_URL ?? 'redis://127.0.0.1:56379';
export const KAFKA_BROKERS = (process.env.SWITCHYARD_KAFKA_BROKERS ?? '127.0.0.1:59092')
  .split(',')
  .map((broker) => broker.trim())
  .filter((broker) => broker !== '');
export const INFLUX_URL = process.env.SWITCHYARD_INFLUX_URL ?? 'http://127.0.0.1:58086';
export const INFLUX_DATABASE = process.env.SWITCHYARD_INFLUX_DATABASE ?? 'switchyard';
export const WEAVIATE_URL = process.env.SWITCHYARD_WEAVIATE_URL ?? 'http://127.0.0.1:58080';
export const WEAVIATE_GRPC_ADDRESS = process.env.SWITCHYARD_WEAVIATE_GRPC_ADDRESS ?? '127.0.0.1:58051';
/** The test Weaviate's API key (`scripts/services.sh weaviate-api-key`, exported by scripts/test.sh). */
export const WEAVIATE_API_KEY = process.env.SWITCHYARD_WEAVIATE_API_KEY ?? '';

const SERVICES_SCRIPT = path.resolve(__dirname, '../../scripts/services.sh');

export type ServerName = 'postgres' | 'redis' | 'kafka' | 'influxdb' | 'weaviate';

const SERVER_TITLES: Record<ServerName, string> = {
  postgres: 'PostgreSQL',
  redis: 'Redis',
  kafka: 'Kafka',
  influxdb: 'InfluxDB',
  weaviate: 'Weaviate',
};

/** The URL with its password replaced by `***`, for messages. */
function withoutPassword(url: string): string {
  return url.replace(/(:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

/** The error a suite fails with when a server it needs does not answer. */
export class ServerUnavailableError extends Error {
  constructor(server: ServerName, address: string, cause: unknown) {
    super(
      `${SERVER_TITLES[server]} is not reachable at ${address} (${errorMessage(cause)}). ` +
        `This suite needs it: start it with scripts/services.sh up ${server}`,
    );
    this.name = 'ServerUnavailableError';
  }
}

/** Runs `select 1` on the server at `url` (default: the shared one). */
export async function queryPostgres(url: string = POSTGRES_URL): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('select 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Sends one Redis command over a fresh connection (AUTH first when the URL has a password) and returns the raw reply. */
export function sendRedisCommand(url: string, ...command: string[]): Promise<string> {
  const parsed = new URL(url);
  const encode = (parts: string[]) => `*${parts.length}\r\n` + parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('');
  const password = decodeURIComponent(parsed.password);
  const username = decodeURIComponent(parsed.username);
  const requests = password ? [username ? ['AUTH', username, password] : ['AUTH', password], command] : [command];
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: parsed.hostname, port: Number(parsed.port || 6379) });
    let received = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer within 5 s')));
    socket.on('connect', () => socket.write(requests.map(encode).join('')));
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      const lines = received.split('\r\n');
      if (lines.length > requests.length) {
        socket.end();
        const replies = lines.slice(0, requests.length);
        const failed = replies.find((reply) => reply.startsWith('-'));
        if (failed) reject(new Error(failed.slice(1)));
        else resolve(replies[replies.length - 1]);
      }
    });
    socket.on('error', reject);
  });
}

/** Describes the Kafka cluster at `brokers`; fails when no broker answers a metadata request. */
export async function describeKafka(brokers: string[] = KAFKA_BROKERS): Promise<{ clusterId: string; brokers: number }> {
  const kafka = new Kafka({
    clientId: 'switchyard-infrastructure-check',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout: 5_000,
    retry: { retries: 1 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return { clusterId: cluster.clusterId, brokers: cluster.brokers.length };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function pingInflux(url: string): Promise<void> {
  const response = await fetch(new URL('/ping', url), { signal: AbortSignal.timeout(5_000) });
  if (response.status !== 204) throw new Error(`GET /ping answered ${response.status}, not 204`);
}

/** Throws a ServerUnavailableError unless the shared PostgreSQL answers a query. */
export async function requirePostgres(): Promise<void> {
  await queryPostgres(POSTGRES_URL).catch((error: unknown) => {
    throw new ServerUnavailableError('postgres', withoutPassword(POSTGRES_URL), error);
  });
}

/** Throws a ServerUnavailableError unless the shared Redis answers PING. */
export async function requireRedis(): Promise<void> {
  const reply = await sendRedisCommand(REDIS_URL, 'PING').catch((error: unknown) => {
    throw new ServerUnavailableError('redis', withoutPassword(REDIS_URL), error);
  });
  if (reply !== '+PONG') throw new ServerUnavailableError('redis', withoutPassword(REDIS_URL), `PING answered ${reply}`);
}

/** Throws a ServerUnavailableError unless the shared Kafka answers a metadata request. */
export async function requireKafka(): Promise<void> {
  await describeKafka(KAFKA_BROKERS).catch((error: unknown) => {
    throw new ServerUnavailableError('kafka', KAFKA_BROKERS.join(','), error);
  });
}

/** Throws a ServerUnavailableError unless the shared InfluxDB answers /ping with 204. */
export async function requireInflux(): Promise<void> {
  await pingInflux(INFLUX_URL).catch((error: unknown) => {
    throw new ServerUnavailableError('influxdb', INFLUX_URL, error);
  });
}

/** Throws a ServerUnavailableError unless the shared Weaviate answers its readiness probe with 200. */
export async function requireWeaviate(): Promise<void> {
  if (WEAVIATE_API_KEY === '') {
    throw new ServerUnavailableError(
      'weaviate',
      WEAVIATE_URL,
      new Error('SWITCHYARD_WEAVIATE_API_KEY is not set (scripts/services.sh weaviate-api-key prints it)'),
    );
  }
  const ready = new URL('/v1/.well-known/ready', WEAVIATE_URL);
  await fetch(ready, { signal: AbortSignal.timeout(5_000) })
    .then((response) => {
      if (response.status !== 200) throw new Error(`GET ${ready.pathname} answered ${response.status}, not 200`);
    })
    .catch((error: unknown) => {
      throw new ServerUnavailableError('weaviate', WEAVIATE_URL, error);
    });
}

/** The test S3-compatible server (versitygw, scripts/services/s3.sh) and the credentials it was started with. */
export const S3_URL = process.env.SWITCHYARD_S3_URL ?? 'http://127.0.0.1:58333';
export const S3_ACCESS_KEY_ID = process.env.SWITCHYARD_S3_ACCESS_KEY_ID ?? 'switchyard';
export const S3_SECRET_ACCESS_KEY = process.env.SWITCHYARD_S3_SECRET_ACCESS_KEY ?? 'switchyard-test-secret';

/** Throws unless the shared S3-compatible server answers HTTP (its signed answers are the suites' to check). */
export async function requireS3(): Promise<void> {
  await fetch(S3_URL, { signal: AbortSignal.timeout(5_000) }).catch((error: unknown) => {
    throw new Error(
      `The S3-compatible server is not reachable at ${S3_URL} (${errorMessage(error)}). ` +
        'This suite needs it: start it with scripts/services.sh up s3',
    );
  });
}

// --- dedicated instances for fault tests -----------------------------------------------------------

/** A server of a test's own: its own port and data folder, stopped and started at will. */
export interface DedicatedServer {
  /** The services folder holding its data and logs. */
  readonly servicesDir: string;
  /** Stops the server (`scripts/services.sh down`); its data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data, and waits until it is ready. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
}

export interface DedicatedKafka extends DedicatedServer {
  readonly brokers: string[];
}

export interface DedicatedPostgres extends DedicatedServer {
  readonly url: string;
}

export interface DedicatedInflux extends DedicatedServer {
  readonly url: string;
  readonly database: string;
}

/** A TCP port nothing listens on right now, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function runServicesScript(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [SERVICES_SCRIPT, ...args],
      { env: { ...process.env, ...env }, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (error) reject(new Error(`scripts/services.sh ${args.join(' ')} failed: ${error.message}\n${stderr}`));
        else resolve();
      },
    );
  });
}

async function startDedicated(
  server: 'kafka' | 'postgres' | 'influxdb',
  env: (servicesDir: string) => Promise<NodeJS.ProcessEnv>,
): Promise<DedicatedServer & { env: NodeJS.ProcessEnv }> {
  const servicesDir = await mkdtemp(path.join(os.tmpdir(), `switchyard-${server}-`));
  // PostgreSQL runs as the unprivileged postgres user when the tests run as root: it must reach the folder.
  await chmod(servicesDir, 0o755);
  const serverEnv = { SWITCHYARD_SERVICES_DIR: servicesDir, ...(await env(servicesDir)) };
  const instance = {
    servicesDir,
    env: serverEnv,
    stop: () => runServicesScript(['down', server], serverEnv),
    start: () => runServicesScript(['up', server], serverEnv),
    destroy: async () => {
      await runServicesScript(['down', server], serverEnv).catch(() => undefined);
      await rm(servicesDir, { recursive: true, force: true });
    },
  };
  try {
    await instance.start();
  } catch (error) {
    await instance.destroy();
    throw error;
  }
  return instance;
}

/**
 * Starts a Kafka broker of the test's own (free ports, data under a temporary folder), independent of
 * the shared one. Takes a few seconds; give the hook a generous timeout.
 */
export async function startDedicatedKafka(): Promise<DedicatedKafka> {
  const brokerPort = await freePort();
  const controllerPort = await freePort();
  const brokers = [`127.0.0.1:${brokerPort}`];
  const instance = await startDedicated('kafka', async () => ({
    SWITCHYARD_KAFKA_BROKERS: brokers.join(','),
    SWITCHYARD_KAFKA_CONTROLLER_PORT: String(controllerPort),
  }));
  return { brokers, servicesDir: instance.servicesDir, stop: instance.stop, start: instance.start, destroy: instance.destroy };
}

/** Starts an InfluxDB server of the test's own (free ports, data under a temporary folder), its database created. */
export async function startDedicatedInflux(): Promise<DedicatedInflux> {
  const port = await freePort();
  const rpcPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const instance = await startDedicated('influxdb', async () => ({
    SWITCHYARD_INFLUX_URL: url,
    SWITCHYARD_INFLUX_RPC_PORT: String(rpcPort),
    SWITCHYARD_INFLUX_DATABASE: INFLUX_DATABASE,
  }));
  return { url, database: INFLUX_DATABASE, servicesDir: instance.servicesDir, stop: instance.stop, start: instance.start, destroy: instance.destroy };
}

/** Starts a PostgreSQL server of the test's own (free port, data under a temporary folder). */
export async function startDedicatedPostgres(): Promise<DedicatedPostgres> {
  const port = await freePort();
  const url = `postgres://switchyard:switchyard@127.0.0.1:${port}/switchyard`;
  const instance = await startDedicated('postgres', async () => ({ SWITCHYARD_POSTGRES_URL: url }));
  return { url, servicesDir: instance.servicesDir, stop: instance.stop, start: instance.start, destroy: instance.destroy };
}
