import { BatchingEmbedder } from './batching-embedder';

/** A batch function that records its calls and answers when told: the test is about queueing, not vectors. */
function recordingRun() {
  const calls: Array<{ texts: string[]; answer: () => void; fail: (error: Error) => void }> = [];
  const run = (texts: string[]) =>
    new Promise<Float32Array[]>((resolve, reject) => {
      calls.push({ texts, answer: () => resolve(texts.map((text) => Float32Array.of(text.length, 1))), fail: reject });
    });
  return { calls, run };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('BatchingEmbedder', () => {
  it('coalesces calls made while the slot is busy into one next batch, embedding duplicates once', async () => {
    const { calls, run } = recordingRun();
    const embedder = new BatchingEmbedder({ id: 'test', dimensions: 2, run, maxBatch: 10, concurrency: 1, cacheSize: 0 });
    const first = embedder.embed(['a']);
    await until(() => calls.length === 1);
    const waiting = [embedder.embed(['bb', 'ccc']), embedder.embed(['bb']), embedder.embed(['dddd'])];
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toHaveLength(1);
    calls[0].answer();
    await first;
    await until(() => calls.length === 2);
    expect(calls[1].texts).toEqual(['bb', 'ccc', 'dddd']);
    calls[1].answer();
    const [pair, single, last] = await Promise.all(waiting);
    // Unit vectors: [2, 1] / √5.
    expect(pair[0][0]).toBeCloseTo(2 / Math.sqrt(5), 6);
    expect(Array.from(single[0])).toEqual(Array.from(pair[0]));
    expect(last).toHaveLength(1);
    await embedder.close();
  });

  it('keeps an LRU of texts and returns copies the caller may change', async () => {
    const { calls, run } = recordingRun();
    const embedder = new BatchingEmbedder({ id: 'test', dimensions: 2, run, maxBatch: 10, concurrency: 1, cacheSize: 2 });
    const answerAll = async <T>(promise: Promise<T>) => {
      await until(() => calls.length > 0 && calls.some((call) => call.answer !== undefined));
      calls.splice(0).forEach((call) => call.answer());
      return promise;
    };
    const [vector] = await answerAll(embedder.embed(['one']));
    vector[0] = 99;
    const [again] = await embedder.embed(['one']);
    expect(again[0]).not.toBe(99);
    await answerAll(embedder.embed(['two', 'three']));
    // 'one' was the oldest of three: evicted, so it is embedded again.
    const refetch = embedder.embed(['one']);
    await until(() => calls.length === 1);
    expect(calls[0].texts).toEqual(['one']);
    calls[0].answer();
    await refetch;
    await embedder.close();
  });

  it('rejects the callers of a failed batch, an aborted call, and calls after close', async () => {
    const { calls, run } = recordingRun();
    const embedder = new BatchingEmbedder({ id: 'test', dimensions: 2, run, maxBatch: 10, concurrency: 1, cacheSize: 0 });
    const failing = embedder.embed(['x']);
    await until(() => calls.length === 1);
    calls[0].fail(new Error('upstream down'));
    await expect(failing).rejects.toThrow('upstream down');

    const controller = new AbortController();
    const aborted = embedder.embed(['y'], controller.signal);
    controller.abort(new Error('client went away'));
    await expect(aborted).rejects.toThrow('client went away');
    await expect(embedder.embed(['z'], AbortSignal.abort())).rejects.toThrow();

    await embedder.close();
    await expect(embedder.embed(['w'])).rejects.toThrow(/closed/);
  });
});
