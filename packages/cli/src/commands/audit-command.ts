import { createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import {
  Ed25519CheckpointKey,
  exportAuditJsonl,
  loadCheckpointSigningKey,
  loadCheckpointVerifyingKey,
  parseAuditJsonl,
  readAuditCheckpoints,
  readAuditRecords,
  verifyAuditChain,
  type AuditRange,
  type AuditVerification,
} from '@switchyard/auth';
import { createPgliteClient, createPostgresClient, type SqlClient } from '@switchyard/database';
import { ConfigError, loadConfig, resolveSecret, type SwitchyardConfig } from '@switchyard/shared';
import { auditSigningKeyFile } from '../modes/governance';

export const AUDIT_USAGE = `Usage: switchyard audit <verify|export> [options]

  verify             check the audit trail's hash chain and signed checkpoints;
                     exits 0 when intact, 1 naming the first bad sequence number
    --file FILE      check an export (JSONL) instead of the database
    --public-key PEM verify checkpoints with this Ed25519 key (public or private
                     PEM); default: the signing key (SWITCHYARD_AUDIT_SIGNING_KEY,
                     SWITCHYARD_AUDIT_SIGNING_KEY_FILE or audit.signingKeyFile)
  export             write records as JSONL, signed checkpoints first
    --from X --to Y  a sequence number or an ISO 8601 time, both included
    --output FILE    default: standard output

  --config FILE      YAML config (or SWITCHYARD_CONFIG): the database is
                     observability.postgresUrl (SWITCHYARD_POSTGRES_URL) or the
                     embedded one in observability.dataDirectory (SWITCHYARD_DATA_DIR)
`;

export interface CommandIo {
  env: Record<string, string | undefined>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Runs `switchyard audit …`; resolves with the process exit code (0 intact, 1 broken or failed, 2 usage). */
export async function runAuditCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        file: { type: 'string' },
        'public-key': { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        output: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.stderr.write(`switchyard audit: ${(error as Error).message}\n\n${AUDIT_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const subcommand = positionals[0];
  if (values.help) {
    io.stdout.write(AUDIT_USAGE);
    return 0;
  }
  if (subcommand !== 'verify' && subcommand !== 'export') {
    io.stderr.write(`switchyard audit: ${subcommand === undefined ? 'say verify or export' : `unknown command "${subcommand}"`}\n\n${AUDIT_USAGE}`);
    return 2;
  }
  try {
    if (subcommand === 'verify') return await verify(values, io);
    return await exportRecords(values, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`switchyard audit ${subcommand}: ${error.message}\n`);
      return 2;
    }
    io.stderr.write(`switchyard audit ${subcommand}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

class UsageError extends Error {}

interface Options {
  config?: string;
  file?: string;
  'public-key'?: string;
  from?: string;
  to?: string;
  output?: string;
}

async function verify(options: Options, io: CommandIo): Promise<number> {
  let verification: AuditVerification;
  const verifier = verifyingKey(options, io);
  if (options.file) {
    const { records, checkpoints } = parseAuditJsonl(readFileSync(options.file, 'utf8'));
    // An export of a range starts where it starts; a whole one starts at record 1.
    verification = await verifyAuditChain(records, checkpoints, { fromGenesis: records[0]?.sequence === 1, verifier });
  } else {
    verification = await withAuditDatabase(options, io, async (client) =>
      verifyAuditChain(readAuditRecords(client), await readAuditCheckpoints(client), { fromGenesis: true, verifier }),
    );
  }
  if (!verification.ok) {
    const { problem } = verification;
    io.stdout.write(`audit chain BROKEN at sequence ${problem!.sequence} (${problem!.kind}): ${problem!.message}\n`);
    return 1;
  }
  const span =
    verification.records === 0
      ? 'no records'
      : `${verification.records} records (${verification.firstSequence}-${verification.lastSequence}), head ${verification.headHash}`;
  const unchecked = verification.checkpointsUnchecked > 0 ? `, ${verification.checkpointsUnchecked} checkpoints not checked (no matching key)` : '';
  io.stdout.write(`audit chain intact: ${span}; ${verification.checkpointsVerified} signed checkpoints verified${unchecked}\n`);
  return 0;
}

function verifyingKey(options: Options, io: CommandIo): Ed25519CheckpointKey | undefined {
  if (options['public-key']) return loadCheckpointVerifyingKey(options['public-key']);
  const config = options.file ? optionalConfig(options, io) : readConfig(options, io);
  try {
    return loadCheckpointSigningKey({ env: io.env, file: config && auditSigningKeyFile(config) });
  } catch {
    io.stderr.write(
      'switchyard audit verify: no signing key found (--public-key, SWITCHYARD_AUDIT_SIGNING_KEY or audit.signingKeyFile): checkpoint signatures are not checked\n',
    );
    return undefined;
  }
}

async function exportRecords(options: Options, io: CommandIo): Promise<number> {
  const range: AuditRange = { ...bound(options.from, 'from'), ...bound(options.to, 'to') };
  const output = options.output ? createWriteStream(options.output, { mode: 0o600 }) : io.stdout;
  const write = async (line: string) => {
    if (!output.write(line)) await once(output, 'drain');
  };
  const counts = await withAuditDatabase(options, io, (client) => exportAuditJsonl(client, range, write));
  if (options.output) {
    const file = output as ReturnType<typeof createWriteStream>;
    await new Promise<void>((resolve, reject) => file.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
  io.stderr.write(`exported ${counts.records} records and ${counts.checkpoints} checkpoints\n`);
  return 0;
}

/** `--from`/`--to`: a whole number is a sequence number, anything else an ISO 8601 time. */
function bound(value: string | undefined, which: 'from' | 'to'): AuditRange {
  if (value === undefined) return {};
  if (/^\d+$/.test(value)) return which === 'from' ? { fromSequence: Number(value) } : { toSequence: Number(value) };
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value))) return which === 'from' ? { fromTime: value } : { toTime: value };
  throw new UsageError(`--${which} must be a sequence number or an ISO 8601 time such as 2026-01-31T00:00:00Z, got ${JSON.stringify(value)}`);
}

function readConfig(options: Options, io: CommandIo): SwitchyardConfig {
  try {
    return loadConfig(options.config ?? io.env.SWITCHYARD_CONFIG, io.env, { role: 'observability' }).config;
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

function optionalConfig(options: Options, io: CommandIo): SwitchyardConfig | undefined {
  try {
    return readConfig(options, io);
  } catch {
    return undefined;
  }
}

/** Opens the database the config names, checks it holds an audit trail, runs `work`, closes it. */
async function withAuditDatabase<T>(options: Options, io: CommandIo, work: (client: SqlClient) => Promise<T>): Promise<T> {
  const config = readConfig(options, io);
  const { postgresUrl, dataDirectory } = config.observability;
  const client = postgresUrl
    ? createPostgresClient({ url: resolveSecret(postgresUrl, io.env), poolSize: 1, applicationName: 'switchyard-audit' })
    : await createPgliteClient({ dataDir: dataDirectory });
  try {
    const [table] = await client.query<{ name: string | null }>("SELECT to_regclass('audit_records')::text AS name");
    if (!table?.name)
      throw new Error(`The database (${postgresUrl ? 'postgres' : dataDirectory}) holds no audit trail: there is no audit_records table.`);
    return await work(client);
  } finally {
    await client.close();
  }
}
