import type { Embedder } from '@switchyard/shared';
import { createOfflineEmbedder } from '../../embedders';
import { DEFAULT_TOPIC_THRESHOLD } from '../guardrail-settings';
import { TopicMatcher } from './topic-matcher';

/** Topic lists with the real offline embedder: a paraphrase of a listed example is on the topic, an unrelated request is not. */
describe('TopicMatcher', () => {
  let embedder: Embedder;
  beforeAll(() => {
    embedder = createOfflineEmbedder();
  });
  afterAll(async () => {
    await embedder?.close();
  });

  const investing = {
    name: 'investment-advice',
    examples: [
      'Which stocks should I buy right now?',
      'Should I invest my savings in bitcoin?',
      'What is the best fund to put my retirement money in?',
    ],
  };
  const cooking = { name: 'cooking', examples: ['How long should I boil an egg?', 'Give me a recipe for pancakes.'] };

  it('flags a request on a denied topic and lets others through', async () => {
    const matcher = new TopicMatcher(() => embedder, [investing], [], DEFAULT_TOPIC_THRESHOLD);
    const denied = await matcher.check('Which shares would you recommend I buy today?');
    const other = await matcher.check('How do I reset my router password?');
    expect(denied).toMatchObject({ flagged: true, topic: 'investment-advice' });
    expect(other.flagged).toBe(false);
    expect(other.score).toBeLessThan(DEFAULT_TOPIC_THRESHOLD);
  });

  it('with an allow list, flags what is on none of the allowed topics', async () => {
    const matcher = new TopicMatcher(() => embedder, [], [cooking], DEFAULT_TOPIC_THRESHOLD);
    expect(await matcher.check('What is a good recipe for pancakes?')).toMatchObject({ flagged: false, topic: 'cooking' });
    expect(await matcher.check('Should I invest my savings in bitcoin?')).toMatchObject({ flagged: true, topic: 'cooking' });
  });
});
