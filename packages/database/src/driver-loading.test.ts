/**
 * The one-process mode imports this package for PGlite, so importing it must not load `pg`, the
 * Postgres server driver; `createPostgresClient` loads it (bench/RESULTS.md, "Footprint of the
 * one-process mode").
 */
describe('importing @switchyard/database', () => {
  afterEach(() => jest.dontMock('pg'));

  /** Runs `load` in a module registry of its own; true when it loaded `pg`. */
  async function loadsPg(load: () => Promise<unknown>): Promise<boolean> {
    let loaded = false;
    await jest.isolateModulesAsync(async () => {
      jest.doMock('pg', () => {
        loaded = true;
        return jest.requireActual('pg');
      });
      await load();
    });
    return loaded;
  }

  it('does not load pg', async () => {
    expect(await loadsPg(() => import('./index'))).toBe(false);
  });

  it('loads pg for a Postgres client, without connecting', async () => {
    const loaded = await loadsPg(async () => {
      const { createPostgresClient } = await import('./index');
      // Nothing listens on port 1: closing an unused pool makes no connection.
      await createPostgresClient({ url: 'postgres://nobody@127.0.0.1:1/none' }).close();
    });
    expect(loaded).toBe(true);
  });
});
