import { Writable } from 'node:stream';
import pino from 'pino';
import { ConfigError, configSchema, type Logger, type SwitchyardConfig } from '@switchyard/shared';
import { changedSections, ConfigReloader, type ConfigReloadTarget } from './config-reloader';

/** A logger whose lines the test reads. */
function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

function configWith(model: string, extra: Record<string, unknown> = {}): SwitchyardConfig {
  return configSchema.parse({
    providers: { openai: { kind: 'openai', models: [model] } },
    routes: { chat: { provider: 'openai', model } },
    ...extra,
  });
}

/** A target that keeps what it serves, as the reloadable services do: built at prepare, swapped at commit. */
class RecordingTarget implements ConfigReloadTarget {
  serving: string;
  prepared: string[] = [];
  refuse: ((config: SwitchyardConfig) => string | undefined) | undefined;

  constructor(
    readonly name: string,
    readonly sections: ConfigReloadTarget['sections'],
    config: SwitchyardConfig,
  ) {
    this.serving = Object.keys(config.routes).join(',') + ':' + JSON.stringify(config.providers);
  }

  prepare(config: SwitchyardConfig) {
    const problem = this.refuse?.(config);
    if (problem) throw new ConfigError(`invalid config:\n  - ${problem}`);
    const next = Object.keys(config.routes).join(',') + ':' + JSON.stringify(config.providers);
    this.prepared.push(next);
    return {
      commit: () => {
        this.serving = next;
      },
    };
  }
}

describe('ConfigReloader', () => {
  it('prepares every target the change concerns, then swaps them all', async () => {
    const initial = configWith('gpt-4o');
    const next = configWith('gpt-4.1');
    const { logger, lines } = capturingLogger();
    const adapters = new RecordingTarget('adapters', ['providers'], initial);
    const router = new RecordingTarget('router', ['providers', 'routes'], initial);
    const reloader = new ConfigReloader({ initial, load: () => next, targets: [adapters, router], logger });

    const outcome = await reloader.reload('file');

    expect(outcome).toEqual({ status: 'applied', generation: 1, changed: ['providers', 'routes'], restartRequired: [] });
    expect(adapters.serving).toContain('gpt-4.1');
    expect(router.serving).toContain('gpt-4.1');
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'config-reloaded', generation: 1, trigger: 'file' }));
  });

  it('keeps the running config when the file is invalid, and logs the path of the problem', async () => {
    const initial = configWith('gpt-4o');
    const { logger, lines } = capturingLogger();
    const router = new RecordingTarget('router', ['providers', 'routes'], initial);
    const before = router.serving;
    const reloader = new ConfigReloader({
      initial,
      load: () => {
        throw new ConfigError('invalid config (/etc/switchyard.yaml):\n  - routes.chat.targets: expected array');
      },
      targets: [router],
      logger,
    });

    const outcome = await reloader.reload('signal');

    expect(outcome).toMatchObject({ status: 'rejected', generation: 0 });
    expect(outcome.status === 'rejected' && outcome.reason).toContain('routes.chat.targets');
    expect(router.prepared).toEqual([]);
    expect(router.serving).toBe(before);
    const logged = lines.find((line) => String(line.msg).startsWith('config-reload-rejected'));
    expect(logged).toMatchObject({ level: 50, trigger: 'signal' });
    expect(logged?.reason).toContain('/etc/switchyard.yaml');
    expect(logged?.reason).toContain('routes.chat.targets');
  });

  it('swaps no target when one of them refuses the config', async () => {
    const initial = configWith('gpt-4o');
    const { logger } = capturingLogger();
    const adapters = new RecordingTarget('adapters', ['providers'], initial);
    const router = new RecordingTarget('router', ['providers', 'routes'], initial);
    router.refuse = () => 'routes.chat.provider: unknown provider "nowhere"';
    const [adaptersBefore, routerBefore] = [adapters.serving, router.serving];
    const reloader = new ConfigReloader({ initial, load: () => configWith('gpt-4.1'), targets: [adapters, router], logger });

    const outcome = await reloader.reload('file');

    expect(outcome).toMatchObject({ status: 'rejected', reason: expect.stringContaining('routes.chat.provider') });
    // The adapters had built theirs already: it is dropped, not swapped in.
    expect(adapters.prepared).toHaveLength(1);
    expect(adapters.serving).toBe(adaptersBefore);
    expect(router.serving).toBe(routerBefore);
    // The next valid file is applied from the config still running.
    router.refuse = undefined;
    expect(await reloader.reload('file')).toMatchObject({ status: 'applied', generation: 1 });
  });

  it('reports an unchanged file, and prepares nothing', async () => {
    const initial = configWith('gpt-4o');
    const { logger } = capturingLogger();
    const router = new RecordingTarget('router', ['providers', 'routes'], initial);
    const reloader = new ConfigReloader({ initial, load: () => configWith('gpt-4o'), targets: [router], logger });

    expect(await reloader.reload('signal')).toEqual({ status: 'unchanged', generation: 0, restartRequired: [] });
    expect(router.prepared).toEqual([]);
  });

  it('names the changed sections it cannot apply while running, at every reload until the restart', async () => {
    const initial = configWith('gpt-4o');
    const { logger, lines } = capturingLogger();
    const router = new RecordingTarget('router', ['providers', 'routes'], initial);
    let next = configWith('gpt-4.1', { server: { port: 9999 } });
    const reloader = new ConfigReloader({ initial, load: () => next, targets: [router], logger });

    expect(await reloader.reload('file')).toEqual({
      status: 'applied',
      generation: 1,
      changed: ['providers', 'routes'],
      restartRequired: ['server'],
    });
    next = configWith('gpt-4.1', { server: { port: 9999 } });
    expect(await reloader.reload('file')).toEqual({ status: 'unchanged', generation: 1, restartRequired: ['server'] });
    const warnings = lines.filter((line) => String(line.msg).startsWith('config-reload-restart-required'));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatchObject({ level: 40, sections: ['server'] });
  });

  it('runs one reload at a time; those asked for meanwhile make one more run with the latest file', async () => {
    const initial = configWith('gpt-4o');
    const { logger } = capturingLogger();
    let release: () => void = () => {};
    const target: ConfigReloadTarget & { committed: string[] } = {
      name: 'slow',
      sections: ['routes', 'providers'],
      committed: [],
      prepare: async (config) => {
        // The first prepare waits for the test; later ones go straight through.
        if (target.committed.length === 0) await new Promise<void>((resolve) => (release = resolve));
        return { commit: () => target.committed.push(JSON.stringify(config.routes)) };
      },
    };
    let model = 'gpt-4.1';
    const reloader = new ConfigReloader({ initial, load: () => configWith(model), targets: [target], logger });

    const first = reloader.reload('file');
    model = 'gpt-5';
    const second = reloader.reload('file');
    model = 'gpt-5-mini';
    const third = reloader.reload('signal');
    expect(third).toBe(second);
    release();

    expect(await first).toMatchObject({ status: 'applied', generation: 1 });
    expect(await second).toMatchObject({ status: 'applied', generation: 2 });
    expect(target.committed).toEqual([expect.stringContaining('gpt-4.1'), expect.stringContaining('gpt-5-mini')]);
  });

  it('turns an unexpected failure into a rejection, never a rejected promise', async () => {
    const initial = configWith('gpt-4o');
    const { logger } = capturingLogger();
    const target: ConfigReloadTarget = {
      name: 'broken',
      sections: ['routes'],
      prepare: () => {
        throw new TypeError('cannot build');
      },
    };
    const reloader = new ConfigReloader({ initial, load: () => configWith('gpt-4.1'), targets: [target], logger });
    await expect(reloader.reload('file')).resolves.toMatchObject({ status: 'rejected', reason: expect.stringContaining('cannot build') });
  });
});

describe('changedSections', () => {
  it('compares sections by value', () => {
    expect(changedSections(configWith('gpt-4o'), configWith('gpt-4o'))).toEqual([]);
    expect(changedSections(configWith('gpt-4o'), configWith('gpt-4o', { governance: { redisUrl: 'redis://127.0.0.1:6379' } }))).toEqual([
      'governance',
    ]);
  });
});
