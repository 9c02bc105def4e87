import type { SqlClient } from '@switchyard/database';
import type { SwitchyardConfig } from '@switchyard/shared';
import { loadCheckpointSigningKey } from './checkpoint-signer';
import { SqlAuditLog } from './sql-audit-log';

export interface OpenAuditLogOptions {
  /**
   * `embedded` generates the signing key in `audit.signingKeyFile` on first
   * start; `distributed` requires it (from the environment or the file), so
   * replicas never sign with keys of their own.
   */
  mode: 'embedded' | 'distributed';
  env?: Record<string, string | undefined>;
}

/** The audit log as the config describes it, on `client` (the records' database), checkpoints signed. */
export async function openAuditLog(client: SqlClient, settings: SwitchyardConfig['audit'], options: OpenAuditLogOptions): Promise<SqlAuditLog> {
  const signer = loadCheckpointSigningKey({ env: options.env, file: settings.signingKeyFile, generateIfMissing: options.mode === 'embedded' });
  return SqlAuditLog.open(client, { signer, checkpointEvery: settings.checkpointEvery, checkpointIntervalMs: settings.checkpointIntervalMs });
}
