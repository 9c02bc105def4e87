import type { DiscoveredModels, DiscoveredModelSource, Logger } from '@switchyard/shared';
import { DiscoveredModelsFollower } from './discovered-models-follower';

function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const record = (_fields: unknown, msg: string) => lines.push(msg);
  return { logger: { info: record, warn: record } as unknown as Logger, lines };
}

describe('DiscoveredModelsFollower', () => {
  const followers: DiscoveredModelsFollower[] = [];
  afterEach(() => {
    for (const follower of followers.splice(0)) follower.close();
  });

  function follow(answers: (DiscoveredModels | Error)[], applied: DiscoveredModels[], logger: Logger): DiscoveredModelsFollower {
    const source: DiscoveredModelSource = {
      discoveredModels: () => {
        const answer = answers.shift() ?? new Error('no answer queued');
        return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
      },
    };
    const follower = new DiscoveredModelsFollower(source, (models) => applied.push(models), { intervalMs: 3_600_000, timeoutMs: 5_000, logger });
    followers.push(follower);
    return follower;
  }

  it('applies what the source answers, and keeps the last lists while it is away (logged once)', async () => {
    const { logger, lines } = recordingLogger();
    const applied: DiscoveredModels[] = [];
    const lists = { version: 1, providers: { ollama: ['llama3.2'] } };
    const follower = follow([lists, new Error('UNAVAILABLE'), new Error('UNAVAILABLE'), { version: 2, providers: {} }], applied, logger);
    await follower.poll();
    await follower.poll();
    await follower.poll();
    expect(applied).toEqual([lists]);
    expect(lines).toEqual(['discovered-models-unavailable']);
    await follower.poll();
    expect(applied).toHaveLength(2);
    expect(lines).toEqual(['discovered-models-unavailable', 'discovered-models-available']);
  });

  it('asks once when started, and joins an ask already under way', async () => {
    const applied: DiscoveredModels[] = [];
    const follower = follow([{ version: 1, providers: {} }], applied, recordingLogger().logger);
    follower.start();
    await follower.poll();
    expect(applied).toHaveLength(1);
  });
});
