import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configSchema } from '@switchyard/shared';
import { createOfflineEmbedder, type LocalModelEmbedder } from '../embedders';
import { recordingContext, testServices, userRequest } from '../__fixtures__/plugin-test-kit';
import { IntentIndex, type IntentMethod } from './intent-index';
import { semanticRoutingPluginFactory } from './semantic-routing-plugin';

/**
 * Quality of intent routing with the real offline embedder on a small
 * hand-written set (__fixtures__/intents.json): accuracy on held-out
 * phrasings, and how many out-of-scope questions reach the default. The
 * figures are printed; services/semantic/README.md quotes them.
 */
interface IntentSet {
  routes: { name: string; description: string; utterances: string[] }[];
  heldOut: { text: string; route: string }[];
  outOfScope: string[];
}
const intents = JSON.parse(readFileSync(path.join(__dirname, '__fixtures__/intents.json'), 'utf8')) as IntentSet;

describe('intent routing with the offline embedder', () => {
  let embedder: LocalModelEmbedder;
  const routes = intents.routes.map((route) => ({ ...route, target: `model-for-${route.name}` }));
  const defaults = configSchema.parse({ semanticRouting: { routes } }).semanticRouting!;

  beforeAll(async () => {
    embedder = createOfflineEmbedder({ threads: 1 });
    await embedder.warm();
  }, 120_000);

  afterAll(async () => {
    await embedder.close();
  });

  async function measure(method: IntentMethod, threshold: number) {
    const definitions = routes.map((route) => ({ name: route.name, target: route.target, examples: [...route.utterances, route.description] }));
    const index = await IntentIndex.build(embedder, definitions, { method, k: defaults.k, threshold });
    const heldOut = (await embedder.embed(intents.heldOut.map((example) => example.text))).map((vector) => index.classify(vector));
    const outOfScope = (await embedder.embed(intents.outOfScope)).map((vector) => index.classify(vector));
    const routedTo = (expected: boolean) =>
      heldOut.filter((decision, position) => decision.confident && (decision.nearest === intents.heldOut[position].route) === expected).length /
      heldOut.length;
    return {
      method,
      threshold,
      accuracy: routedTo(true),
      misrouted: routedTo(false),
      outOfScopeToDefault: outOfScope.filter((decision) => !decision.confident).length / outOfScope.length,
    };
  }

  it('at the default threshold, routes most held-out phrasings right, almost none wrong, and out-of-scope ones to the default', async () => {
    const rows = [];
    for (const method of ['centroid', 'knn'] as const) {
      for (const threshold of [-1, 0.1, 0.15, 0.2, 0.25, 0.3]) rows.push(await measure(method, threshold));
    }
    console.log(
      [
        `intent routing, ${embedder.id}, ${intents.heldOut.length} held-out, ${intents.outOfScope.length} out of scope`,
        'method     threshold  accuracy  misrouted  out-of-scope→default',
      ]
        .concat(
          rows.map(
            (row) =>
              `${row.method.padEnd(10)} ${row.threshold.toFixed(2).padStart(9)}  ${row.accuracy.toFixed(3).padStart(8)}  ${row.misrouted.toFixed(3).padStart(9)}  ${row.outOfScopeToDefault.toFixed(3).padStart(20)}`,
          ),
        )
        .join('\n'),
    );
    // The nearest centroid alone (no threshold) is right for most held-out phrasings…
    expect((await measure('centroid', -1)).accuracy).toBeGreaterThanOrEqual(0.875);
    // …and the default threshold trades some of them for sending nothing out of scope to a route.
    const atDefault = await measure(defaults.method, defaults.threshold);
    expect(atDefault.accuracy).toBeGreaterThanOrEqual(0.75);
    expect(atDefault.misrouted).toBeLessThanOrEqual(0.025);
    expect(atDefault.outOfScopeToDefault).toBe(1);
  }, 120_000);

  it('routes through the plugin with the default config', async () => {
    const services = testServices({ semanticRouting: { routes, default: 'general-model' } }, embedder);
    const plugin = semanticRoutingPluginFactory.create(services)!;
    const translation = recordingContext(userRequest('switchyard/semantic', 'how do I say thank you very much in portuguese'));
    expect(await plugin.beforeRequest!(translation)).toMatchObject({ kind: 'rewrite', request: { model: 'model-for-translation' } });
    expect(translation.responseHeaders['x-switchyard-semantic-route']).toBe('translation');
    const weather = recordingContext(userRequest('switchyard/semantic', 'what is the weather going to be like in lisbon tomorrow'));
    expect(await plugin.beforeRequest!(weather)).toMatchObject({ kind: 'rewrite', request: { model: 'general-model' } });
    expect(weather.responseHeaders['x-switchyard-semantic-route']).toBe('default');
  });
});
