import { openColdStorage, type ColdStorage } from '@switchyard/observability';
import { ConfigError, type SwitchyardConfig } from '@switchyard/shared';

/**
 * Cold storage when `observability.coldStorage` is set, for the process that
 * writes the records (the one process, or the observability service): the
 * reader its query service takes and the export schedule. Undefined when it
 * is not set, and then the S3 SDK is never loaded.
 */
export function coldStorageOf(config: SwitchyardConfig): ColdStorage | undefined {
  const { coldStorage, retentionDays } = config.observability;
  if (coldStorage === undefined) return undefined;
  if (retentionDays !== undefined && retentionDays <= coldStorage.afterDays) {
    throw new ConfigError(
      `invalid config:\n  - observability.retentionDays: must be more than observability.coldStorage.afterDays (${coldStorage.afterDays}), ` +
        'or records are purged before they are moved to cold storage',
    );
  }
  return openColdStorage(coldStorage, { retentionDays });
}
