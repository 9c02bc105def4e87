import { resolve } from 'node:path';
import { ConfigError, configSchema, createLogger, type PluginFactory, type PluginServices } from '@switchyard/shared';
import { buildPluginPipeline } from './build-plugin-pipeline';

const logger = createLogger('test', 'silent');
const root = resolve(__dirname, '../../../..');

function servicesOf(plugins: unknown): PluginServices {
  const unavailable = (): never => {
    throw new Error('not in this test');
  };
  return { config: configSchema.parse({ plugins }), logger, embedder: unavailable, vectorStore: unavailable, guardrails: unavailable };
}

describe('buildPluginPipeline', () => {
  it('builds the enabled built-ins and the custom modules, leaving off those their settings leave off', async () => {
    const closed: string[] = [];
    const factories: PluginFactory[] = [
      { name: 'cache', create: () => ({ name: 'cache', close: async () => void closed.push('cache') }) },
      { name: 'guardrails', create: () => undefined },
    ];
    const pipeline = await buildPluginPipeline(
      {
        factories,
        services: servicesOf({ modules: [resolve(root, 'examples/plugins/keyword-guard')], settings: { 'keyword-guard': { keywords: ['x'] } } }),
      },
      logger,
    );
    expect(pipeline.plugins.map((plugin) => plugin.name)).toEqual(['cache', 'keyword-guard']);
    expect(pipeline.endpoints().map(({ endpoint }) => `${endpoint.method} ${endpoint.path}`)).toEqual(['GET /v1/keyword-guard/stats']);
    await pipeline.close();
    expect(closed).toEqual(['cache']);
  });

  it('refuses a module that cannot be loaded or exports no factory, naming its path in config', async () => {
    await expect(buildPluginPipeline({ factories: [], services: servicesOf({ modules: ['./no/such/plugin'] }) }, logger)).rejects.toThrow(
      /^invalid config: plugins\.modules\[0\]: cannot load the plugin module \.\/no\/such\/plugin/,
    );
    const notAPlugin = resolve(__dirname, '__fixtures__/not-a-plugin.ts');
    const refused = buildPluginPipeline({ factories: [], services: servicesOf({ modules: [notAPlugin] }) }, logger);
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    await expect(refused).rejects.toThrow(`plugins.modules[0]: the module ${notAPlugin} exports no plugin factory`);
  });

  it('refuses invalid settings of the example plugin, naming the path, and closes what it had built', async () => {
    const closed: string[] = [];
    const cache: PluginFactory = { name: 'cache', create: () => ({ name: 'cache', close: async () => void closed.push('cache') }) };
    const services = servicesOf({ modules: [resolve(root, 'examples/plugins/keyword-guard')], settings: { 'keyword-guard': { keywords: [''] } } });
    await expect(buildPluginPipeline({ factories: [cache], services }, logger)).rejects.toThrow(
      'invalid config: plugins.settings.keyword-guard.keywords: must be a list of non-empty strings',
    );
    expect(closed).toEqual(['cache']);
  });

  it('refuses two plugins serving one endpoint, and closes them', async () => {
    const closed: string[] = [];
    const serving = (name: string): PluginFactory => ({
      name,
      create: () => ({
        name,
        endpoints: [{ method: 'POST', path: '/v1/check', endpoint: `${name}.check`, handle: async () => ({ status: 200, body: {} }) }],
        close: async () => void closed.push(name),
      }),
    });
    await expect(buildPluginPipeline({ factories: [serving('one'), serving('two')], services: servicesOf({}) }, logger)).rejects.toThrow(
      'the plugins one and two both serve POST /v1/check',
    );
    expect(closed.sort()).toEqual(['one', 'two']);
  });

  it('refuses two plugins of one name and an order naming none', async () => {
    const cache: PluginFactory = { name: 'cache', create: () => ({ name: 'cache' }) };
    await expect(buildPluginPipeline({ factories: [cache, cache], services: servicesOf({}) }, logger)).rejects.toThrow('two plugins are named cache');
    await expect(buildPluginPipeline({ factories: [cache], services: servicesOf({ routes: { smart: ['memory'] } }) }, logger)).rejects.toThrow(
      'invalid config: plugins.routes.smart[0]: unknown plugin "memory"; known plugins: cache',
    );
  });
});
