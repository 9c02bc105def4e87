import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createOfflineEmbedder, type LocalModelEmbedder } from '../embedders';
import { HnswVectorStore } from '../stores';
import { recordingContext, testServices, textResponse, userRequest } from '../__fixtures__/plugin-test-kit';
import { memoryPluginFactory, type MemoryPlugin } from './memory-plugin';

/**
 * Memory with the real offline embedder and the embedded HNSW store on disk:
 * a session of exchanges on different subjects, then questions that refer
 * back to one of them, sent without the history.
 */
const SESSION = { 'x-switchyard-session-id': 'trip-planning' };

const history: [string, string][] = [
  ['I am allergic to peanuts, please keep that in mind for recipes.', 'Understood: I will leave peanuts out of every recipe.'],
  ['My daughter Lina turns seven in June and loves dinosaurs.', 'A dinosaur party for Lina sounds great.'],
  ['We are flying to Reykjavik on the 14th of March.', 'March is a good time to see the northern lights in Iceland.'],
  ['My laptop is a 2019 ThinkPad running Fedora.', 'Fedora runs well on ThinkPads.'],
  ['I prefer answers in metric units.', 'I will use metric units.'],
  ['Our budget for the trip is 3000 euros.', 'With 3000 euros you can stay about a week in Reykjavik.'],
];

const questions: [string, string][] = [
  ['Suggest a satay sauce recipe for dinner.', 'allergic to peanuts'],
  ['What kind of cake should I bake for the birthday party?', 'Lina turns seven'],
  ['Which warm clothes should I pack for our flight?', 'flying to Reykjavik'],
  ['How much can we spend on hotels per night?', 'budget for the trip is 3000 euros'],
];

describe('memory with the offline embedder and the HNSW store', () => {
  let embedder: LocalModelEmbedder;
  let directory: string;
  let store: HnswVectorStore | undefined;

  beforeAll(async () => {
    embedder = createOfflineEmbedder({ threads: 1 });
    await embedder.warm();
  }, 120_000);

  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'switchyard-memory-'));
  });

  afterEach(async () => {
    await store?.close();
    store = undefined;
    rmSync(directory, { recursive: true, force: true });
  });

  afterAll(async () => {
    await embedder.close();
  });

  function memory(vectorStore: HnswVectorStore): MemoryPlugin {
    return memoryPluginFactory.create(testServices({ memory: {} }, embedder, vectorStore)) as MemoryPlugin;
  }

  async function converse(plugin: MemoryPlugin, text: string, answer: string) {
    const context = recordingContext(userRequest('gpt-4o-mini', text), { headers: SESSION });
    const outcome = await plugin.beforeRequest(context);
    plugin.afterResponse(Object.assign(context, { request: outcome?.kind === 'rewrite' ? outcome.request : context.request }), textResponse(answer));
    await context.settle();
    return { context, outcome };
  }

  it('recalls the earlier exchange each question refers to, also after the store was reopened', async () => {
    store = new HnswVectorStore({ directory });
    let plugin = memory(store);
    for (const [question, answer] of history) await converse(plugin, question, answer);

    // A restart: the session's exchanges come back from disk.
    await store.close();
    store = new HnswVectorStore({ directory });
    plugin = memory(store);

    for (const [question, expected] of questions) {
      const context = recordingContext(userRequest('gpt-4o-mini', question), { headers: SESSION });
      const outcome = await plugin.beforeRequest(context);
      expect(outcome?.kind).toBe('rewrite');
      const note = outcome?.kind === 'rewrite' ? outcome.request.messages[0] : undefined;
      expect(note?.role).toBe('system');
      expect(note?.role === 'system' && note.content).toContain(expected);
      // The subjects the question has nothing to do with stay out.
      expect(note?.role === 'system' && note.content).not.toContain('ThinkPad');
      expect(Number(context.responseHeaders['x-switchyard-memory-recalled'])).toBeGreaterThanOrEqual(1);
    }
  }, 60_000);

  it('recalls nothing for another session or workspace', async () => {
    store = new HnswVectorStore({ directory });
    const plugin = memory(store);
    for (const [question, answer] of history.slice(0, 2)) await converse(plugin, question, answer);
    const otherSession = recordingContext(userRequest('m', questions[0][0]), { headers: { 'x-switchyard-session-id': 'someone-else' } });
    expect(await plugin.beforeRequest(otherSession)).toBeUndefined();
    const otherWorkspace = recordingContext(userRequest('m', questions[0][0]), { headers: SESSION, workspace: 'team-b' });
    expect(await plugin.beforeRequest(otherWorkspace)).toBeUndefined();
    expect(otherWorkspace.responseHeaders['x-switchyard-memory-recalled']).toBe('0');
  });
});
