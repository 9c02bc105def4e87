import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { REDIS_URL, requireRedis } from '../../../../test/support/infrastructure';
import { waitFor } from '../../../../test/support/wait-for';
import type { GovernanceStore } from '../storage/governance-store';
import { openTestGovernanceDatabase, type TestGovernanceDatabase } from '../storage/__fixtures__/governance-databases';
import { ApiKeyVerifier } from './api-key-verifier';
import { RedisKeyInvalidationBus } from './key-invalidation';
import { KeyService } from './key-service';

jest.setTimeout(60_000);

/** Two gateway replicas, as it were: each its own database connections, Redis connections and cache. */
interface Replica {
  store: GovernanceStore;
  bus: RedisKeyInvalidationBus;
  verifier: ApiKeyVerifier;
  keys: KeyService;
}

describe('key invalidation over Redis between two verifiers', () => {
  let database: TestGovernanceDatabase;
  const replicas: Replica[] = [];
  const secret = randomBytes(32);
  // A channel of the suite's own: other suites on the shared Redis do not hear it.
  const channel = `switchyard:test:key-invalidations:${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    await requireRedis();
    database = await openTestGovernanceDatabase('postgres');
    await database.store.createOrganization({ id: 'acme', displayName: 'Acme', createdBy: 'admin' });
    await database.store.createWorkspace({ id: 'team-a', organization: 'acme', displayName: 'Team A', createdBy: 'admin' });
    for (let index = 0; index < 2; index += 1) {
      const store = await database.openAnotherStore();
      const bus = await RedisKeyInvalidationBus.connect({ url: REDIS_URL, channel });
      // A long TTL: only the invalidation can make the second replica look the key up again.
      const verifier = new ApiKeyVerifier({ store, secret, invalidations: bus, cache: { ttlMs: 600_000 } });
      replicas.push({ store, bus, verifier, keys: new KeyService(store, secret, bus) });
    }
  });

  afterAll(async () => {
    for (const replica of replicas) {
      replica.verifier.close();
      await replica.bus.close();
    }
    await database?.dispose();
  });

  it('makes the second replica refuse a key revoked on the first within a second', async () => {
    const [first, second] = replicas;
    const { key, record } = await first.keys.create({
      workspace: 'team-a',
      name: 'ci',
      role: 'developer',
      scopes: {},
      expiresAt: null,
      createdBy: 'alice',
    });
    await expect(first.verifier.verify(key)).resolves.toMatchObject({ keyId: record.id });
    await expect(second.verifier.verify(key)).resolves.toMatchObject({ keyId: record.id });
    await expect(second.verifier.verify(key)).resolves.toMatchObject({ keyId: record.id });
    expect(second.verifier.stats).toMatchObject({ lookups: 1, hits: 1 });

    await first.keys.revoke(record.id);
    // The first replica forgets at once, before Redis delivers anything.
    await expect(first.verifier.verify(key)).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
    const refused = await waitFor(
      () =>
        second.verifier.verify(key).then(
          () => 'accepted',
          (error: { code?: string }) => error.code ?? 'error',
        ),
      (outcome) => outcome === 'invalid_api_key',
      { timeoutMs: 1_000, intervalMs: 5, what: 'the second replica to refuse the revoked key' },
    );
    expect(refused).toBe('invalid_api_key');
    expect(second.verifier.stats.lookups).toBe(2);
  });

  it('makes the second replica honour a rotation with no overlap', async () => {
    const [first, second] = replicas;
    const { key, record } = await first.keys.create({
      workspace: 'team-a',
      name: 'rotating',
      role: 'developer',
      scopes: {},
      expiresAt: null,
      createdBy: 'alice',
    });
    await second.verifier.verify(key);
    const { replacement } = await first.keys.rotate(record.id, 0, 'alice');
    await waitFor(
      () =>
        second.verifier.verify(key).then(
          () => 'accepted',
          () => 'refused',
        ),
      (outcome) => outcome === 'refused',
      { timeoutMs: 1_000, intervalMs: 5, what: 'the second replica to refuse the rotated key' },
    );
    await expect(second.verifier.verify(replacement.key)).resolves.toMatchObject({ keyId: replacement.record.id });
  });

  it('forgets every cached key when its Redis connection comes back, since news may have been missed', async () => {
    const connectionName = `switchyard-test-${randomBytes(4).toString('hex')}`;
    const bus = await RedisKeyInvalidationBus.connect({ url: REDIS_URL, channel, redisOptions: { connectionName } });
    const verifier = new ApiKeyVerifier({ store: database.store, secret, invalidations: bus, cache: { ttlMs: 600_000 } });
    const control = new Redis(REDIS_URL);
    try {
      const { key } = await replicas[0].keys.create({
        workspace: 'team-a',
        name: 'resync',
        role: 'developer',
        scopes: {},
        expiresAt: null,
        createdBy: 'alice',
      });
      await verifier.verify(key);
      await verifier.verify(key);
      expect(verifier.stats).toMatchObject({ lookups: 1, hits: 1 });
      // Drop this bus's connections, as a network failure would; ioredis reconnects by itself.
      const clients = String(await control.client('LIST'))
        .split('\n')
        .filter((line) => line.includes(`name=${connectionName}`));
      expect(clients).toHaveLength(2);
      for (const line of clients) await control.client('KILL', 'ID', /id=(\d+)/.exec(line)![1]);
      await waitFor(
        async () => {
          await verifier.verify(key);
          return verifier.stats.lookups;
        },
        (lookups) => lookups > 1,
        { timeoutMs: 10_000, intervalMs: 20, what: 'the cache to be dropped after the reconnect' },
      );
    } finally {
      verifier.close();
      await bus.close();
      control.disconnect();
    }
  });
});
