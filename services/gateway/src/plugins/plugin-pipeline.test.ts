import {
  ANONYMOUS_PRINCIPAL,
  ConfigError,
  configSchema,
  createLogger,
  GatewayError,
  type ChatRequest,
  type ChatResponse,
  type GatewayPlugin,
  type PluginContext,
  type StreamPart,
} from '@switchyard/shared';
import { PluginPipeline } from './plugin-pipeline';
import type { PluginRunInput } from './plugin-run';
import { streamPartsOf } from './stream-parts-of';

const logger = createLogger('test', 'silent');

function chatRequest(model = 'gpt-4o-mini', stream = false): ChatRequest {
  return { model, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello there' }] }], sampling: {}, stream, includeUsage: false };
}

function answer(text: string, model = 'cached-model'): ChatResponse {
  return {
    id: 'chatcmpl-plugin',
    model,
    created: 1_700_000_000,
    choices: [{ index: 0, message: { content: text }, finishReason: 'stop' }],
    usage: { inputTokens: 3, outputTokens: 2 },
  };
}

function pipelineOf(plugins: GatewayPlugin[], pluginsConfig: unknown = {}, known?: string[]): PluginPipeline {
  const config = configSchema.parse({ plugins: pluginsConfig });
  return new PluginPipeline({ config, plugins, logger, ...(known && { known: new Set(known) }) });
}

function input(
  request = chatRequest(),
  workspace = 'default',
  headers: Record<string, string> = {},
): PluginRunInput & { sent: Record<string, string> } {
  const sent: Record<string, string> = {};
  return {
    requestId: 'request-1',
    workspace,
    principal: ANONYMOUS_PRINCIPAL,
    headers,
    request,
    signal: new AbortController().signal,
    setHeader: (name, value) => {
      sent[name] = value;
    },
    sent,
  };
}

async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const out: StreamPart[] = [];
  for await (const part of parts) out.push(part);
  return out;
}

async function* from(parts: readonly StreamPart[]): AsyncGenerator<StreamPart> {
  yield* parts;
}

describe('PluginPipeline', () => {
  it('runs beforeRequest in order and the response hooks in reverse, each seeing the one nearer the provider', async () => {
    const calls: string[] = [];
    const tagging = (name: string): GatewayPlugin => ({
      name,
      beforeRequest: () => {
        calls.push(`before:${name}`);
      },
      afterResponse: (_context, response) => {
        calls.push(`after:${name}`);
        const content = `${response.choices[0].message.content}+${name}`;
        return { ...response, choices: [{ ...response.choices[0], message: { content } }] };
      },
    });
    const pipeline = pipelineOf([tagging('first'), tagging('second')], { order: ['first', 'second'] });
    const run = pipeline.begin(input(), 'gpt-4o-mini')!;
    expect(await run.before()).toBeUndefined();
    const response = await run.after(answer('upstream'), { source: 'provider', providerId: 'openai', model: 'gpt-4o-mini', routePath: '' });
    expect(calls).toEqual(['before:first', 'before:second', 'after:second', 'after:first']);
    expect(response.choices[0].message.content).toBe('upstream+second+first');
  });

  it('passes a rewrite on to later plugins and to routing', async () => {
    let seenBySecond: string | undefined;
    const pipeline = pipelineOf(
      [
        { name: 'router', beforeRequest: (context) => ({ kind: 'rewrite', request: { ...context.request, model: 'claude-sonnet-4-5' } }) },
        {
          name: 'watcher',
          beforeRequest: (context) => {
            seenBySecond = context.request.model;
          },
        },
      ],
      { order: ['router', 'watcher'] },
    );
    const run = pipeline.begin(input(), 'gpt-4o-mini')!;
    await run.before();
    expect(seenBySecond).toBe('claude-sonnet-4-5');
    expect(run.request.model).toBe('claude-sonnet-4-5');
  });

  it('stops at an answer: later plugins do not run, and the answering one gets no response hook of its own', async () => {
    const calls: string[] = [];
    const pipeline = pipelineOf(
      [
        { name: 'outer', afterResponse: (_context, response, outcome) => (calls.push(`after:outer:${outcome.source}`), response) },
        {
          name: 'cache',
          beforeRequest: () => ({ kind: 'answer', answer: { response: answer('cached'), servedBy: { plugin: 'cache', detail: 'exact' } } }),
          afterResponse: (_context, response) => (calls.push('after:cache'), response),
        },
        { name: 'inner', beforeRequest: () => void calls.push('before:inner') },
      ],
      { order: ['outer', 'cache', 'inner'] },
    );
    const run = pipeline.begin(input(), 'gpt-4o-mini')!;
    const given = await run.before();
    expect(given?.servedBy).toEqual({ plugin: 'cache', detail: 'exact' });
    await run.after(given!.response, { source: 'plugin', servedBy: given!.servedBy });
    expect(calls).toEqual(['after:outer:plugin']);
  });

  it('throws a rejection as it is, and turns any other throw into a 500 naming the plugin', async () => {
    const blocked = new GatewayError('Blocked by the keyword guardrail.', { status: 400, errorClass: 'invalid_request', code: 'content_blocked' });
    const rejecting = pipelineOf([{ name: 'guard', beforeRequest: () => ({ kind: 'reject', error: blocked }) }]);
    await expect(rejecting.begin(input(), 'm')!.before()).rejects.toBe(blocked);

    const throwingGatewayError = pipelineOf([{ name: 'guard', beforeRequest: () => Promise.reject(blocked) }]);
    await expect(throwingGatewayError.begin(input(), 'm')!.before()).rejects.toBe(blocked);

    const failures: string[] = [];
    const broken = new PluginPipeline({
      config: configSchema.parse({}),
      plugins: [
        {
          name: 'broken',
          beforeRequest: () => {
            throw new TypeError('cannot read properties of undefined');
          },
        },
      ],
      logger,
      metrics: { pluginFailed: (plugin: string, hook: string) => failures.push(`${plugin}:${hook}`) } as never,
    });
    const error = await broken
      .begin(input(), 'm')!
      .before()
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 500, code: 'plugin_failed', message: 'The broken plugin failed in beforeRequest.' });
    expect(failures).toEqual(['broken:beforeRequest']);
  });

  it('transforms, holds back and passes on stream parts in reverse order, then gives each afterResponse the stream it saw', async () => {
    const seen: Record<string, string> = {};
    const upper: GatewayPlugin = {
      name: 'upper',
      onStreamPart: (_context, part) => (part.type === 'text-delta' ? { ...part, text: part.text.toUpperCase() } : undefined),
      afterResponse: (_context, response) => ((seen.upper = response.choices[0].message.content ?? ''), response),
    };
    // Holds every text delta back until the finish part, then releases them joined.
    const held: StreamPart[] = [];
    const joiner: GatewayPlugin = {
      name: 'joiner',
      onStreamPart: (_context, part) => {
        if (part.type === 'text-delta') {
          held.push(part);
          return [];
        }
        if (part.type === 'finish')
          return [{ type: 'text-delta', choice: 0, text: held.map((each) => (each as { text: string }).text).join('') }, part];
        return undefined;
      },
      afterResponse: (_context, response) => ((seen.joiner = response.choices[0].message.content ?? ''), response),
    };
    const pipeline = pipelineOf([upper, joiner], { order: ['upper', 'joiner'] });
    const run = pipeline.begin(input(chatRequest('m', true)), 'm')!;
    await run.before();
    const upstream = streamPartsOf({ ...answer('hello '.repeat(20)), id: 'up' });
    const out = await collect(run.stream(from(upstream), { source: 'provider', providerId: 'openai', model: 'm', routePath: '' }));
    const texts = out.filter((part) => part.type === 'text-delta');
    // The joiner (nearer the provider) ran first: one delta, then upper-cased by the plugin before it.
    expect(texts).toEqual([{ type: 'text-delta', choice: 0, text: 'HELLO '.repeat(20) }]);
    expect(out.map((part) => part.type)).toEqual(['response-start', 'text-delta', 'finish', 'usage']);
    run.finish();
    await pipeline.settled();
    expect(seen).toEqual({ joiner: 'hello '.repeat(20), upper: 'hello '.repeat(20) });
  });

  it('fails the stream with a 500 naming the plugin when onStreamPart throws', async () => {
    const pipeline = pipelineOf([
      {
        name: 'fragile',
        onStreamPart: (_context, part) => {
          if (part.type === 'finish') throw new Error('boom');
          return undefined;
        },
      },
    ]);
    const run = pipeline.begin(input(chatRequest('m', true)), 'm')!;
    await run.before();
    const stream = collect(run.stream(from(streamPartsOf(answer('hi'))), { source: 'provider', providerId: 'p', model: 'm', routePath: '' }));
    await expect(stream).rejects.toMatchObject({ status: 500, message: 'The fragile plugin failed in onStreamPart.' });
  });

  it('does not call afterResponse for a stream cut short', async () => {
    let called = false;
    const pipeline = pipelineOf([{ name: 'writer', afterResponse: (_context, response) => ((called = true), response) }]);
    const run = pipeline.begin(input(chatRequest('m', true)), 'm')!;
    await run.before();
    const iterator = run.stream(from(streamPartsOf(answer('hi'))), { source: 'provider', providerId: 'p', model: 'm', routePath: '' });
    await iterator.next();
    await iterator.return(undefined);
    run.finish();
    await pipeline.settled();
    expect(called).toBe(false);
  });

  it('starts deferred work once the response is over, and logs (not throws) its failures', async () => {
    const events: string[] = [];
    const failures: string[] = [];
    const pipeline = new PluginPipeline({
      config: configSchema.parse({}),
      plugins: [
        {
          name: 'writer',
          afterResponse: (context: PluginContext, response) => {
            context.defer(async () => void events.push('written'));
            context.defer(() => Promise.reject(new Error('store down')));
            context.annotate('cache', 'miss');
            context.setHeader('x-switchyard-cache', 'miss');
            events.push('after');
            return response;
          },
        },
      ],
      logger,
      metrics: { pluginFailed: (plugin: string, hook: string) => failures.push(`${plugin}:${hook}`) } as never,
    });
    const request = input();
    const run = pipeline.begin(request, 'm')!;
    await run.before();
    await run.after(answer('a'), { source: 'provider', providerId: 'p', model: 'm', routePath: '' });
    expect(events).toEqual(['after']);
    run.finish();
    await pipeline.settled();
    expect(events).toEqual(['after', 'written']);
    expect(failures).toEqual(['writer:defer']);
    expect(run.annotations).toEqual({ cache: 'miss' });
    expect(request.sent).toEqual({ 'x-switchyard-cache': 'miss' });
  });

  it('shows plugins the request headers without credentials, and keeps per-request state', async () => {
    let headers: Readonly<Record<string, string>> = {};
    const pipeline = pipelineOf([
      {
        name: 'reader',
        beforeRequest: (context) => {
          headers = context.headers;
          context.state.set('reader', 'found');
        },
        afterResponse: (context, response) => ({ ...response, id: String(context.state.get('reader')) }),
      },
    ]);
    const run = pipeline.begin(
      input(chatRequest(), 'default', { authorization: 'Bearer sk-secret', 'x-api-key': 'k', 'x-switchyard-session-id': 's1' }),
      'm',
    )!;
    await run.before();
    expect(headers).toEqual({ 'x-switchyard-session-id': 's1' });
    expect((await run.after(answer('a'), { source: 'provider', providerId: 'p', model: 'm', routePath: '' })).id).toBe('found');
  });
});

describe('plugin order', () => {
  const named = (name: string): GatewayPlugin => ({ name });
  const names = (pipeline: PluginPipeline, workspace: string, route: string) =>
    (pipeline.begin(input(chatRequest(route), workspace), route) as unknown as { plugins: GatewayPlugin[] } | undefined)?.plugins.map(
      (p) => p.name,
    ) ?? [];

  it('puts the enabled built-ins in the default order, then the others as built', () => {
    const pipeline = pipelineOf([named('cache'), named('stamp'), named('guardrails'), named('memory')]);
    expect(names(pipeline, 'default', 'm')).toEqual(['guardrails', 'memory', 'cache', 'stamp']);
  });

  it('takes the route list over the workspace list over plugins.order, skipping plugins left off', () => {
    const pipeline = pipelineOf(
      [named('cache'), named('guardrails')],
      { order: ['cache'], workspaces: { team: ['guardrails', 'cache'] }, routes: { 'fast-chat': [] } },
      ['cache', 'guardrails', 'memory'],
    );
    expect(names(pipeline, 'default', 'gpt-4o')).toEqual(['cache']);
    expect(names(pipeline, 'team', 'gpt-4o')).toEqual(['guardrails', 'cache']);
    // An empty list runs no plugin at all: no run is begun.
    expect(pipeline.begin(input(chatRequest('fast-chat'), 'team'), 'fast-chat')).toBeUndefined();
    const offWithMemory = pipelineOf([named('cache')], { order: ['memory', 'cache'] }, ['cache', 'memory']);
    expect(names(offWithMemory, 'default', 'm')).toEqual(['cache']);
  });

  it('refuses an unknown plugin name, naming its path', () => {
    expect(() => pipelineOf([named('cache')], { workspaces: { team: ['cache', 'cahce'] } })).toThrow(ConfigError);
    expect(() => pipelineOf([named('cache')], { workspaces: { team: ['cache', 'cahce'] } })).toThrow(
      'plugins.workspaces.team[1]: unknown plugin "cahce"; known plugins: cache',
    );
    expect(() => pipelineOf([], { order: ['cache'] })).toThrow('plugins.order[0]: unknown plugin "cache"');
  });

  it('refuses a name listed twice', () => {
    expect(() => configSchema.parse({ plugins: { order: ['cache', 'cache'] } })).toThrow('must not name a plugin twice');
  });
});
