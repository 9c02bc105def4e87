import type { SqlClient } from '@switchyard/database';
import type { SwitchyardConfig } from '@switchyard/shared';
import type { AuditLog } from '../audit/audit-log';
import { localKeyManagementFromEnvironment } from './local-key-management-service';
import { SqlSecretStore } from './secret-store';

/**
 * The provider-credential store with the local master key from the
 * environment or `providerCredentials.masterKeyFile`; undefined when no
 * master key is configured (the routes are then not mounted: nothing could
 * be stored safely).
 */
export async function openSecretStore(
  client: SqlClient,
  settings: SwitchyardConfig['providerCredentials'],
  auditLog: AuditLog,
  env: Record<string, string | undefined> = process.env,
): Promise<SqlSecretStore | undefined> {
  const kms = localKeyManagementFromEnvironment(env, settings.masterKeyFile);
  return kms ? SqlSecretStore.open(client, kms, auditLog) : undefined;
}
