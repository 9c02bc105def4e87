/**
 * The one-process mode imports this package and never talks to Kafka, so importing it must not load
 * a Kafka client: @platformatic/kafka alone was about a third of that mode's module loading
 * (bench/RESULTS.md, "Footprint of the one-process mode").
 */
describe('importing @switchyard/events', () => {
  afterEach(() => {
    jest.dontMock('@platformatic/kafka');
    jest.dontMock('kafkajs');
  });

  /** Imports `load` in a module registry of its own and returns the Kafka clients it loaded. */
  async function kafkaClientsLoadedBy(load: () => Promise<unknown>): Promise<string[]> {
    const loaded = new Set<string>();
    await jest.isolateModulesAsync(async () => {
      jest.doMock('@platformatic/kafka', () => {
        loaded.add('@platformatic/kafka');
        return jest.requireActual('@platformatic/kafka');
      });
      jest.doMock('kafkajs', () => {
        loaded.add('kafkajs');
        return jest.requireActual('kafkajs');
      });
      await load();
    });
    return [...loaded].sort();
  }

  it('loads no Kafka client', async () => {
    expect(await kafkaClientsLoadedBy(() => import('./index'))).toEqual([]);
  });

  it('would see a Kafka client loaded (the check itself works)', async () => {
    expect(await kafkaClientsLoadedBy(() => Promise.all([import('./index'), import('@platformatic/kafka'), import('kafkajs')]))).toEqual([
      '@platformatic/kafka',
      'kafkajs',
    ]);
  });
});
