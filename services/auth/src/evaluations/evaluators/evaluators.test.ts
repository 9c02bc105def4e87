import { isGatewayError } from '@switchyard/shared';
import type { GatewayClient } from '../gateway-client';
import { createEvaluator, parseEvaluators } from './evaluator-registry';
import type { EvaluationCase, EvaluatorContext } from './evaluator';
import { cosineSimilarity } from './embedding-similarity/embedding-similarity-evaluator';
import { verdictOf } from './llm-judge/llm-judge-evaluator';
import { isPrivateAddress } from './webhook/webhook-address';

const context: EvaluatorContext = {
  gateway: {} as GatewayClient,
  allowPrivateWebhooks: false,
  webhookTimeoutMs: 1_000,
  signal: new AbortController().signal,
};

async function score(spec: Record<string, unknown>, output: string, expectedOutput?: unknown) {
  const [parsed] = parseEvaluators([spec], { allowPrivateWebhooks: false });
  const testCase: EvaluationCase = { runId: 'r', itemId: 'i', input: 'q', expectedOutput, metadata: {}, output };
  return createEvaluator(parsed).evaluate(testCase, context);
}

function paramOf(work: () => unknown): string | null | undefined {
  try {
    work();
  } catch (error) {
    if (isGatewayError(error)) return error.param;
    throw error;
  }
  throw new Error('expected a 400');
}

describe('evaluators', () => {
  it('exact compares trimmed text, optionally ignoring case; structured expected outputs as JSON', async () => {
    expect(await score({ kind: 'exact' }, ' Paris \n', 'Paris')).toEqual({ score: 1 });
    expect(await score({ kind: 'exact' }, 'paris', 'Paris')).toEqual({ score: 0 });
    expect(await score({ kind: 'exact', ignore_case: true }, 'paris', 'Paris')).toEqual({ score: 1 });
    expect(await score({ kind: 'exact', trim: false }, 'Paris ', 'Paris')).toEqual({ score: 0 });
    expect(await score({ kind: 'exact' }, '{"a":1}', { a: 1 })).toEqual({ score: 1 });
    expect((await score({ kind: 'exact' }, 'x')).score).toBe(0);
  });

  it('contains looks for its value, else the expected output', async () => {
    expect(await score({ kind: 'contains', value: 'Paris' }, 'It is Paris.')).toEqual({ score: 1 });
    expect(await score({ kind: 'contains' }, 'It is Paris.', 'paris')).toEqual({ score: 0 });
    expect(await score({ kind: 'contains', ignore_case: true }, 'It is Paris.', 'paris')).toEqual({ score: 1 });
  });

  it('regex matches with its flags', async () => {
    expect(await score({ kind: 'regex', pattern: '^yes\\b', flags: 'i' }, 'Yes, indeed')).toEqual({ score: 1 });
    expect(await score({ kind: 'regex', pattern: '^yes\\b' }, 'Yes, indeed')).toEqual({ score: 0 });
  });

  it('json_schema validates JSON output and names the first violation', async () => {
    const spec = { kind: 'json_schema', schema: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } } };
    expect(await score(spec, '{"n": 3}')).toEqual({ score: 1 });
    expect(await score(spec, '{"n": "3"}')).toEqual({ score: 0, reason: '/n must be integer' });
    expect(await score(spec, 'three')).toEqual({ score: 0, reason: 'The output is not JSON.' });
  });

  it('computes cosine similarity', () => {
    expect(cosineSimilarity([1, 0], [0.6, 0.8])).toBeCloseTo(0.6, 12);
    expect(cosineSimilarity([1, 2], [2, 4])).toBeCloseTo(1, 12);
    expect(cosineSimilarity([0, 0], [1, 0])).toBe(0);
    expect(() => cosineSimilarity([1], [1, 0])).toThrow('differ in length');
  });

  it("reads the judge's verdict, fenced or not, and refuses anything else", () => {
    expect(verdictOf('{"score": 0.7, "reason": "close"}')).toEqual({ score: 0.7, reason: 'close' });
    expect(verdictOf('```json\n{"score": 1}\n```')).toEqual({ score: 1 });
    expect(() => verdictOf('{"score": 7}')).toThrow('from 0 to 1');
    expect(() => verdictOf('great answer')).toThrow('did not answer with JSON');
  });

  it('refuses webhooks to private and loopback addresses unless allowed', () => {
    for (const url of [
      'http://127.0.0.1:9/x',
      'http://localhost/x',
      'http://169.254.169.254/latest',
      'http://[::1]/x',
      'http://10.1.2.3/x',
      'http://[::ffff:127.0.0.1]/x',
    ]) {
      expect(paramOf(() => parseEvaluators([{ kind: 'webhook', url }], { allowPrivateWebhooks: false }))).toBe('evaluators[0].url');
      expect(parseEvaluators([{ kind: 'webhook', url }], { allowPrivateWebhooks: true })).toHaveLength(1);
    }
    expect(isPrivateAddress('192.168.1.1')).toBe(true);
    expect(isPrivateAddress('8.8.8.8')).toBe(false);
    expect(isPrivateAddress('::ffff:127.0.0.1')).toBe(true);
    expect(isPrivateAddress('2001:4860:4860::8888')).toBe(false);
    expect(paramOf(() => parseEvaluators([{ kind: 'webhook', url: 'ftp://example.com/' }], { allowPrivateWebhooks: false }))).toBe(
      'evaluators[0].url',
    );
  });

  it('names the bad field of a run’s evaluators', () => {
    const bad = (evaluators: unknown) => paramOf(() => parseEvaluators(evaluators, { allowPrivateWebhooks: false }));
    expect(bad([])).toBe('evaluators');
    expect(bad([{ kind: 'exact' }, { kind: 'exact' }])).toBe('evaluators[1].name');
    expect(bad([{ kind: 'exact', colour: 'red' }])).toBe('evaluators[0].colour');
    expect(bad([{ kind: 'regex', pattern: 'a', flags: 'g' }])).toBe('evaluators[0].flags');
    expect(bad([{ kind: 'llm_judge', model: 'gpt-4o' }])).toBe('evaluators[0].rubric');
    expect(bad([{ kind: 'embedding_similarity' }])).toBe('evaluators[0].model');
  });
});
