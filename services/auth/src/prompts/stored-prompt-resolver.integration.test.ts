import { waitFor } from '../../../../test/support/wait-for';
import { openTestGovernanceDatabase, type TestGovernanceDatabase } from '../storage/__fixtures__/governance-databases';
import { InProcessPromptChangeBus } from './prompt-change-bus';
import { PromptStore, type StoredPromptVersion } from './prompt-store';
import { StoredPromptResolver } from './stored-prompt-resolver';

/**
 * The resolver's cache on a real store (PGlite): fresh entries are served
 * without a read, stale ones while one read refreshes them, a change message
 * drops them at once, and a read that started before the message cannot put
 * its older answer back.
 */

let database: TestGovernanceDatabase;
let store: PromptStore;
const subject = { requestId: 'req_1' };

/** The store, counting label reads, each of which may be held until released. */
class ObservedStore extends PromptStore {
  reads = 0;
  hold?: Promise<void>;
  override async getByLabel(workspace: string, name: string, label: string): Promise<StoredPromptVersion | undefined> {
    this.reads += 1;
    const found = await super.getByLabel(workspace, name, label);
    await this.hold;
    return found;
  }
}

const reference = { name: 'note', label: 'production', variables: {} };
const contentOf = async (resolver: StoredPromptResolver) => (await resolver.resolve('default', reference, subject)).messages[0].content;

beforeAll(async () => {
  database = await openTestGovernanceDatabase('pglite');
  await database.store.ensureDefaultWorkspace();
  store = new PromptStore(database.client);
  for (const text of ['one', 'two']) {
    await store.createVersion({
      workspace: 'default',
      name: 'note',
      type: 'text',
      template: text,
      variables: {},
      config: {},
      labels: [],
      commitMessage: '',
      createdBy: 'test',
    });
  }
});

afterAll(async () => {
  await database?.dispose();
});

beforeEach(async () => {
  await store.moveLabel('default', 'note', 'production', 1, 'test');
});

it('serves a fresh entry without reading, a stale one while refreshing it, and reads again after both windows', async () => {
  let now = 1_000_000;
  const observed = new ObservedStore(database.client);
  const resolver = new StoredPromptResolver(observed, { cache: { ttlMs: 1_000, staleMs: 5_000 }, now: () => now });
  expect(await contentOf(resolver)).toBe('one');
  await store.moveLabel('default', 'note', 'production', 2, 'test');
  now += 999;
  expect([await contentOf(resolver), observed.reads]).toEqual(['one', 1]);
  now += 2;
  // Stale: answered from the cache at once, refreshed in the background.
  expect(await contentOf(resolver)).toBe('one');
  expect(observed.reads).toBe(2);
  // Once the refresh is in, the new version is served (and is fresh: no more reads).
  await waitFor(
    () => contentOf(resolver),
    (content) => content === 'two',
    { timeoutMs: 5_000, what: 'the refreshed version' },
  );
  expect(observed.reads).toBe(2);
  now += 1_000 + 5_000 + 1;
  await store.moveLabel('default', 'note', 'production', 1, 'test');
  // Past the stale window: read before answering.
  expect(await contentOf(resolver)).toBe('one');
  expect(observed.reads).toBe(3);
  resolver.close();
});

it('drops a prompt on its change message, and keeps a read begun before it from putting the old version back', async () => {
  const changes = new InProcessPromptChangeBus();
  const observed = new ObservedStore(database.client);
  const resolver = new StoredPromptResolver(observed, { changes, cache: { ttlMs: 600_000 } });
  let release!: () => void;
  observed.hold = new Promise((resolve) => (release = resolve));
  const early = contentOf(resolver);
  // The read has the old label; the label moves and the message arrives before the read answers.
  await waitFor(
    () => observed.reads,
    (reads) => reads === 1,
    { timeoutMs: 5_000, what: 'the read to start', intervalMs: 1 },
  );
  await store.moveLabel('default', 'note', 'production', 2, 'test');
  await changes.publish({ workspace: 'default', name: 'note' });
  release();
  expect(await early).toBe('one');
  observed.hold = undefined;
  expect(await contentOf(resolver)).toBe('two');
  expect(observed.reads).toBe(2);
  // Now cached: no read until the next message.
  expect(await contentOf(resolver)).toBe('two');
  expect(observed.reads).toBe(2);
  await store.moveLabel('default', 'note', 'production', 1, 'test');
  await changes.publish({ workspace: 'other', name: 'note' });
  expect(await contentOf(resolver)).toBe('two');
  await changes.publish({ workspace: 'default', name: 'note' });
  expect(await contentOf(resolver)).toBe('one');
  resolver.close();
  await changes.close();
});
