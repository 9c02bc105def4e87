import { configSchema, createLogger, type Embedder, type VectorStore } from '@switchyard/shared';
import { lazyPluginServices } from './plugin-services';

const logger = createLogger('test', 'silent');

describe('lazyPluginServices', () => {
  it('makes each service on first use only, shares it, and closes what it made', async () => {
    const made: string[] = [];
    const closed: string[] = [];
    const embedder: Embedder = { id: 'test', dimensions: 2, embed: async () => [], close: async () => void closed.push('embedder') };
    const services = lazyPluginServices(configSchema.parse({}), logger, {
      embedder: () => (made.push('embedder'), embedder),
      vectorStore: () => {
        made.push('vectorStore');
        return {} as VectorStore;
      },
    });
    expect(made).toEqual([]);
    expect(services.embedder()).toBe(embedder);
    expect(services.embedder()).toBe(embedder);
    expect(made).toEqual(['embedder']);
    await services.close();
    expect(closed).toEqual(['embedder']);
  });

  it('names a service no maker provides', () => {
    const services = lazyPluginServices(configSchema.parse({}), logger, {});
    expect(() => services.guardrails()).toThrow('no guardrail checker is available to plugins in this process');
  });
});
