/**
 * The S3 SDK is some twenty megabytes of modules: the one-process mode must not load it unless cold
 * storage is configured, and even then not before its first export or read.
 */
import { configSchema } from '@switchyard/shared';

describe('cold storage in the one-process mode', () => {
  afterEach(() => jest.dontMock('@aws-sdk/client-s3'));

  /** Runs `load` in a module registry of its own; true when it loaded the S3 SDK. */
  async function loadsS3Sdk(load: () => Promise<unknown>): Promise<boolean> {
    let loaded = false;
    await jest.isolateModulesAsync(async () => {
      jest.doMock('@aws-sdk/client-s3', () => {
        loaded = true;
        return jest.requireActual('@aws-sdk/client-s3');
      });
      await load();
    });
    return loaded;
  }

  const withColdStorage = (extra: Record<string, unknown> = {}) =>
    configSchema.parse({
      observability: { coldStorage: { bucket: 'records', endpoint: 'http://127.0.0.1:1', ...extra } },
    });

  it('does not load the S3 SDK when cold storage is off, nor when it is on but has not exported or read yet', async () => {
    expect(
      await loadsS3Sdk(async () => {
        await import('./embedded');
        const { coldStorageOf } = await import('./cold-storage');
        expect(coldStorageOf(configSchema.parse({}))).toBeUndefined();
      }),
    ).toBe(false);
    expect(
      await loadsS3Sdk(async () => {
        const { coldStorageOf } = await import('./cold-storage');
        const coldStorage = coldStorageOf(withColdStorage());
        expect(coldStorage).toBeDefined();
        await coldStorage!.close();
      }),
    ).toBe(false);
  });

  it('loads it at the first read from cold storage', async () => {
    expect(
      await loadsS3Sdk(async () => {
        const { S3ObjectStore } = await import('@switchyard/observability');
        const store = new S3ObjectStore({ bucket: 'records', region: 'us-east-1', endpoint: 'http://127.0.0.1:1', forcePathStyle: true });
        await store.load();
        store.close();
      }),
    ).toBe(true);
  });

  it('refuses a retention that would purge records before they are moved', () => {
    const config = configSchema.parse({
      observability: { retentionDays: 30, coldStorage: { bucket: 'records', afterDays: 30 } },
    });
    return import('./cold-storage').then(({ coldStorageOf }) =>
      expect(() => coldStorageOf(config)).toThrow(
        'observability.retentionDays: must be more than observability.coldStorage.afterDays (30), or records are purged before they are moved to cold storage',
      ),
    );
  });
});
