import { InProcessKeyInvalidationBus } from './key-invalidation';
import { ApiKeyVerifier } from './api-key-verifier';
import { KeyService } from './key-service';
import { resolveKeyHashSecret } from './key-hash-secret';
import { DATABASE_KINDS, openTestGovernanceDatabase, type TestGovernanceDatabase } from '../storage/__fixtures__/governance-databases';

jest.setTimeout(60_000);

describe.each(DATABASE_KINDS)('ApiKeyVerifier on %s', (kind) => {
  let database: TestGovernanceDatabase;
  let secret: Buffer;
  let bus: InProcessKeyInvalidationBus;
  let keys: KeyService;
  let verifier: ApiKeyVerifier;
  let time = Date.now();
  const now = () => time;

  beforeAll(async () => {
    database = await openTestGovernanceDatabase(kind);
    await database.store.createOrganization({ id: 'acme', displayName: 'Acme', createdBy: 'admin' });
    await database.store.createWorkspace({ id: 'team-a', organization: 'acme', displayName: 'Team A', createdBy: 'admin' });
    secret = await resolveKeyHashSecret(database.store, {});
  });

  beforeEach(() => {
    bus = new InProcessKeyInvalidationBus();
    keys = new KeyService(database.store, secret, bus, now);
    verifier = new ApiKeyVerifier({ store: database.store, secret, invalidations: bus, now, cache: { ttlMs: 600_000 } });
  });

  afterEach(async () => {
    verifier?.close();
    await bus?.close();
  });

  afterAll(async () => {
    await database?.dispose();
  });

  const create = (overrides: Partial<Parameters<KeyService['create']>[0]> = {}) =>
    keys.create({
      workspace: 'team-a',
      name: 'ci',
      role: 'developer',
      scopes: { models: ['openai/*'] },
      expiresAt: null,
      createdBy: 'alice',
      ...overrides,
    });

  it('resolves a key to its workspace, role and scopes, then answers from the cache', async () => {
    const { key, record } = await create();
    const principal = await verifier.verify(key);
    expect(principal).toEqual({
      kind: 'api_key',
      keyId: record.id,
      subject: 'alice',
      organization: 'acme',
      workspace: 'team-a',
      role: 'developer',
      readableWorkspaces: ['team-a'],
      actableWorkspaces: ['team-a'],
      scopes: { models: ['openai/*'] },
    });
    expect(verifier.stats.lookups).toBe(1);
    await expect(verifier.verify(key)).resolves.toBe(principal);
    expect(verifier.stats).toMatchObject({ lookups: 1, hits: 1 });
  });

  it.each([
    ['a wrong prefix', 'sk-xx-' + 'a'.repeat(43)],
    ['a wrong length', 'sk-sy-' + 'a'.repeat(20)],
    ['a stray character', 'sk-sy-' + 'a'.repeat(42) + '!'],
  ])('refuses %s with 401 invalid_api_key without a database lookup', async (_case, candidate) => {
    await expect(verifier.verify(candidate)).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
    expect(verifier.stats).toMatchObject({ lookups: 0, malformed: 1 });
  });

  it('refuses an unknown key, remembering so (negative entry)', async () => {
    const unknown = 'sk-sy-' + 'Q'.repeat(43);
    await expect(verifier.verify(unknown)).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
    await expect(verifier.verify(unknown)).rejects.toMatchObject({ status: 401 });
    expect(verifier.stats).toMatchObject({ lookups: 1, hits: 1 });
  });

  it('refuses a cached key as soon as it is revoked, and the message never holds the key', async () => {
    const { key, record } = await create();
    await verifier.verify(key);
    await keys.revoke(record.id);
    const error = await verifier.verify(key).catch((caught: Error) => caught);
    expect(error).toMatchObject({ status: 401, code: 'invalid_api_key' });
    expect((error as Error).message).not.toContain(key.slice(6));
  });

  it('refuses a key once it expires, even from the cache', async () => {
    const { key } = await create({ expiresAt: new Date(time + 60_000) });
    await expect(verifier.verify(key)).resolves.toMatchObject({ workspace: 'team-a' });
    time += 60_000;
    await expect(verifier.verify(key)).rejects.toMatchObject({ status: 401 });
  });

  it('keeps a rotated key working until the overlap ends, and the new one from the start', async () => {
    const { key: oldKey, record } = await create();
    await verifier.verify(oldKey);
    const { replacement } = await keys.rotate(record.id, 3600, 'alice');
    expect(replacement.key).not.toBe(oldKey);
    await expect(verifier.verify(oldKey)).resolves.toMatchObject({ keyId: record.id });
    await expect(verifier.verify(replacement.key)).resolves.toMatchObject({
      keyId: replacement.record.id,
      workspace: 'team-a',
      scopes: { models: ['openai/*'] },
    });
    time += 3600_000;
    await expect(verifier.verify(oldKey)).rejects.toMatchObject({ status: 401 });
    await expect(verifier.verify(replacement.key)).resolves.toMatchObject({ keyId: replacement.record.id });
  });

  it('stops a key rotated with no overlap at once', async () => {
    const { key, record } = await create();
    await verifier.verify(key);
    await keys.rotate(record.id, 0, 'alice');
    await expect(verifier.verify(key)).rejects.toMatchObject({ status: 401 });
  });

  it('does not accept a key under another key hash secret', async () => {
    const { key } = await create();
    const other = new ApiKeyVerifier({ store: database.store, secret: Buffer.from('another-secret-of-at-least-32-bytes!'), invalidations: bus, now });
    try {
      await expect(other.verify(key)).rejects.toMatchObject({ status: 401 });
    } finally {
      other.close();
    }
  });

  it('stores a revocation even when the news cannot be published, and logs the failure', async () => {
    const { record } = await create();
    const failing = { publish: () => Promise.reject(new Error('redis is down')), subscribe: () => () => undefined, close: async () => undefined };
    const logged: unknown[] = [];
    const logger = { error: (fields: unknown, message: string) => logged.push([fields, message]) } as unknown as ConstructorParameters<
      typeof KeyService
    >[4];
    const revoked = await new KeyService(database.store, secret, failing, now, logger).revoke(record.id);
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect(logged).toEqual([[{ err: { message: 'redis is down' }, keyId: record.id }, 'key-invalidation-publish-failed']]);
  });

  it('keeps the generated key hash secret across restarts and prefers the configured one', async () => {
    expect(await resolveKeyHashSecret(database.store, {})).toEqual(secret);
    expect(await resolveKeyHashSecret(database.store, { SWITCHYARD_KEY_HASH_SECRET: 'x'.repeat(32) })).toEqual(Buffer.from('x'.repeat(32)));
    await expect(resolveKeyHashSecret(database.store, { SWITCHYARD_KEY_HASH_SECRET: 'short' })).rejects.toThrow(/at least 32/);
  });
});
