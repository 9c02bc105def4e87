import { providerUnreachable, type CallContext, type DiscoveredModels, type Logger } from '@switchyard/shared';
import { ModelDiscovery, type ModelLister } from './model-discovery';

/** A logger whose lines the test reads (discovery logs with `info` and `warn` only). */
function recordingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const record = (level: string) => (fields: Record<string, unknown>, msg: string) => lines.push({ ...fields, level, msg });
  return { logger: { info: record('info'), warn: record('warn') } as unknown as Logger, lines };
}

/** A lister whose answers the test queues. */
function queuedLister(): { list: ModelLister; answers: (string[] | Error)[]; contexts: CallContext[] } {
  const answers: (string[] | Error)[] = [];
  const contexts: CallContext[] = [];
  const list: ModelLister = (context) => {
    contexts.push(context);
    const answer = answers.shift() ?? new Error('no answer queued');
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  };
  return { list, answers, contexts };
}

describe('ModelDiscovery', () => {
  const discoveries: ModelDiscovery[] = [];
  afterEach(() => {
    for (const discovery of discoveries.splice(0)) discovery.close();
  });

  function discovery(listers: Record<string, ModelLister>, logger = recordingLogger().logger): ModelDiscovery {
    const created = new ModelDiscovery(new Map(Object.entries(listers)), { refreshIntervalMs: 3_600_000, timeoutMs: 5_000, logger });
    discoveries.push(created);
    return created;
  }

  it('knows each list after the first round, and tells listeners once per change', async () => {
    const ollama = queuedLister();
    ollama.answers.push(['llama3.2', 'qwen2.5', 'llama3.2'], ['llama3.2', 'qwen2.5'], ['phi4']);
    const subject = discovery({ ollama: ollama.list });
    const heard: DiscoveredModels[] = [];
    subject.onChange((models) => heard.push(models));

    await subject.start();
    expect(subject.current()).toEqual({ version: 1, providers: { ollama: ['llama3.2', 'qwen2.5', 'llama3.2'] } });
    await subject.refresh();
    expect(subject.current().version).toBe(2);
    await subject.refresh();
    expect(subject.current()).toEqual({ version: 3, providers: { ollama: ['phi4'] } });
    expect(heard.map((models) => models.version)).toEqual([1, 2, 3]);
  });

  it('does not count an unchanged list as a change', async () => {
    const ollama = queuedLister();
    ollama.answers.push(['a', 'b'], ['a', 'b']);
    const subject = discovery({ ollama: ollama.list });
    await subject.start();
    await subject.refresh();
    expect(subject.current().version).toBe(1);
  });

  it('keeps the last list when the provider fails, and logs the provider and the reason', async () => {
    const { logger, lines } = recordingLogger();
    const ollama = queuedLister();
    ollama.answers.push(['llama3.2'], providerUnreachable('ollama', new Error('connect ECONNREFUSED')));
    const subject = discovery({ ollama: ollama.list }, logger);
    await subject.start();
    await subject.refresh();
    expect(subject.current()).toEqual({ version: 1, providers: { ollama: ['llama3.2'] } });
    const failed = lines.find((line) => line.msg === 'model-discovery-failed');
    expect(failed).toMatchObject({ providerId: 'ollama', keptModels: 1, level: 'warn' });
    expect(String(failed?.reason)).toContain('ollama');
  });

  it('does not take an empty list: the provider keeps accepting any model', async () => {
    const { logger, lines } = recordingLogger();
    const empty = queuedLister();
    empty.answers.push([]);
    const subject = discovery({ empty: empty.list }, logger);
    await subject.start();
    expect(subject.current()).toEqual({ version: 0, providers: {} });
    expect(lines.some((line) => line.msg === 'model-discovery-empty')).toBe(true);
  });

  it('asks every provider, each on its own, and joins a round already under way', async () => {
    const first = queuedLister();
    const second = queuedLister();
    first.answers.push(['a']);
    second.answers.push(new Error('down'));
    const subject = discovery({ first: first.list, second: second.list });
    await Promise.all([subject.start(), subject.refresh()]);
    expect(first.contexts).toHaveLength(1);
    expect(subject.current().providers).toEqual({ first: ['a'] });
  });

  it('cancels the asks under way when closed', async () => {
    let seen: AbortSignal | undefined;
    const subject = discovery({
      slow: (context) => {
        seen = context.signal;
        return new Promise((_resolve, reject) => context.signal.addEventListener('abort', () => reject(new Error('aborted'))));
      },
    });
    const round = subject.start();
    subject.close();
    await round;
    expect(seen?.aborted).toBe(true);
    expect(subject.current().version).toBe(0);
  });
});
