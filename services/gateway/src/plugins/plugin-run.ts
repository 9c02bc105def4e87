import type { IncomingHttpHeaders } from 'node:http';
import {
  GatewayError,
  isGatewayError,
  SECRET_HEADER_NAME,
  type ChatRequest,
  type ChatResponse,
  type GatewayPlugin,
  type PluginAnswer,
  type PluginContext,
  type Principal,
  type ResponseOutcome,
  type StreamPart,
} from '@switchyard/shared';
import { ChatResponseAssembler } from './chat-response-assembler';

/** A hook of the plugin API, as logs, metrics and errors name it. */
export type PluginHook = 'beforeRequest' | 'onStreamPart' | 'afterResponse' | 'defer';

/** What the pipeline tells the gateway of plugins' failures and deferred work. */
export interface PluginRunHost {
  /** Logs and counts a failure; the caller decides whether the client sees it. */
  failed(plugin: string, hook: PluginHook, requestId: string, error: unknown): void;
  /** Keeps track of work running off the request path (deferred work, a stream's afterResponse). */
  track(work: Promise<void>): void;
}

interface DeferredWork {
  plugin: string;
  work: () => Promise<void>;
}

/** One request as the gateway hands it to its plugins. */
export interface PluginRunInput {
  requestId: string;
  workspace: string;
  principal: Principal;
  headers: IncomingHttpHeaders;
  request: ChatRequest;
  signal: AbortSignal;
  /** Sets a response header, unless they are sent. */
  setHeader(name: string, value: string): void;
}

/**
 * The plugins of one request and what they did to it: runs their hooks in
 * order (`beforeRequest`) and in reverse (`onStreamPart`, `afterResponse`:
 * the response travels back through them, as in a filter chain, so the
 * plugin nearest the provider sees its answer first), gathers their
 * annotations for the record, and starts their deferred work once the
 * response is over. A response hook runs only for plugins whose
 * `beforeRequest` ran; an answering plugin's own response hooks do not run
 * on its answer.
 */
export class PluginRun {
  /** Facts for the request's record. */
  readonly annotations: Record<string, string> = {};
  private readonly context: PluginContext;
  /** Each plugin's view of the context: the same request, with its deferred work named after it. */
  private readonly contexts = new Map<GatewayPlugin, PluginContext>();
  private current: ChatRequest;
  /** Plugins whose `beforeRequest` ran and whose response hooks run, in request order. */
  private ran: readonly GatewayPlugin[] = [];
  private deferred: DeferredWork[] | undefined = [];

  constructor(
    private readonly plugins: readonly GatewayPlugin[],
    input: PluginRunInput,
    private readonly host: PluginRunHost,
  ) {
    this.current = input.request;
    const current = (): ChatRequest => this.current;
    this.context = {
      requestId: input.requestId,
      workspace: input.workspace,
      principal: input.principal,
      headers: readableHeaders(input.headers),
      get request() {
        return current();
      },
      streamed: input.request.stream,
      signal: input.signal,
      state: new Map(),
      setHeader: (name, value) => input.setHeader(name, value),
      annotate: (key, value) => {
        this.annotations[key] = value;
      },
      defer: (work) => this.defer('', work),
    };
  }

  private contextOf(plugin: GatewayPlugin): PluginContext {
    let context = this.contexts.get(plugin);
    if (!context) {
      const defer = (work: () => Promise<void>): void => this.defer(plugin.name, work);
      context = Object.create(this.context, { defer: { value: defer } }) as PluginContext;
      this.contexts.set(plugin, context);
    }
    return context;
  }

  /** The request as the plugins left it. */
  get request(): ChatRequest {
    return this.current;
  }

  /**
   * Runs each plugin's `beforeRequest` in order: a rewrite replaces the
   * request for the plugins after it and for routing; an answer ends the
   * run and is returned; a rejection is thrown. A plugin that throws
   * anything but a GatewayError fails the request with a 500 naming it.
   */
  async before(): Promise<PluginAnswer | undefined> {
    const ran: GatewayPlugin[] = [];
    this.ran = ran;
    for (const plugin of this.plugins) {
      let outcome;
      try {
        outcome = plugin.beforeRequest ? await plugin.beforeRequest(this.contextOf(plugin)) : undefined;
      } catch (error) {
        throw this.failure(plugin, 'beforeRequest', error);
      }
      if (!outcome) {
        ran.push(plugin);
        continue;
      }
      switch (outcome.kind) {
        case 'rewrite':
          this.current = outcome.request;
          ran.push(plugin);
          break;
        case 'answer':
          return outcome.answer;
        case 'reject':
          throw outcome.error;
      }
    }
    return undefined;
  }

  /**
   * The stream as it reaches the client: every part passes the plugins'
   * `onStreamPart` (in reverse order); once it ended whole, each plugin's
   * `afterResponse` gets the answer as it saw it, off the request path (a
   * stream cut short is not one).
   */
  async *stream(parts: AsyncIterable<StreamPart>, outcome: ResponseOutcome): AsyncGenerator<StreamPart> {
    const chain = [...this.ran].reverse();
    const assemblers = chain.map((plugin) => (plugin.afterResponse ? new ChatResponseAssembler() : undefined));
    for await (const part of parts) {
      let passing: readonly StreamPart[] = [part];
      for (let index = 0; index < chain.length && passing.length > 0; index++) {
        const plugin = chain[index];
        const assembler = assemblers[index];
        if (assembler) for (const each of passing) assembler.add(each);
        if (plugin.onStreamPart) passing = this.transformed(plugin, passing);
      }
      for (const each of passing) yield each;
    }
    this.host.track(this.afterStream(chain, assemblers, outcome));
  }

  /** Each plugin's `afterResponse` in reverse order, each given what the one nearer the provider returned. */
  async after(response: ChatResponse, outcome: ResponseOutcome): Promise<ChatResponse> {
    let current = response;
    for (let index = this.ran.length - 1; index >= 0; index--) {
      const plugin = this.ran[index];
      if (!plugin.afterResponse) continue;
      try {
        current = await plugin.afterResponse(this.contextOf(plugin), current, outcome);
      } catch (error) {
        throw this.failure(plugin, 'afterResponse', error);
      }
    }
    return current;
  }

  /** The response is over: deferred work starts now (and work deferred later starts at once). */
  finish(): void {
    const deferred = this.deferred;
    this.deferred = undefined;
    if (deferred) for (const work of deferred) this.start(work);
  }

  private defer(plugin: string, work: () => Promise<void>): void {
    const named = { plugin, work };
    if (this.deferred) this.deferred.push(named);
    else this.start(named);
  }

  private start({ plugin, work }: DeferredWork): void {
    this.host.track(
      Promise.resolve()
        .then(work)
        .catch((error: unknown) => this.host.failed(plugin, 'defer', this.context.requestId, error)),
    );
  }

  private transformed(plugin: GatewayPlugin, parts: readonly StreamPart[]): readonly StreamPart[] {
    const out: StreamPart[] = [];
    for (const part of parts) {
      let result;
      try {
        result = plugin.onStreamPart!(this.contextOf(plugin), part);
      } catch (error) {
        throw this.failure(plugin, 'onStreamPart', error);
      }
      // Nothing returned passes the part on as it is; an empty list holds it back.
      if (result === undefined) out.push(part);
      else if (Array.isArray(result)) out.push(...(result as readonly StreamPart[]));
      else out.push(result as StreamPart);
    }
    return out;
  }

  private async afterStream(
    chain: readonly GatewayPlugin[],
    assemblers: readonly (ChatResponseAssembler | undefined)[],
    outcome: ResponseOutcome,
  ): Promise<void> {
    for (let index = 0; index < chain.length; index++) {
      const plugin = chain[index];
      const assembler = assemblers[index];
      if (!plugin.afterResponse || !assembler) continue;
      try {
        // What the client already has cannot change: the answer returned is not used.
        await plugin.afterResponse(this.contextOf(plugin), assembler.response(), outcome);
      } catch (error) {
        this.host.failed(plugin.name, 'afterResponse', this.context.requestId, error);
      }
    }
  }

  /** A GatewayError a plugin threw goes to the client as it is; anything else is a 500 naming the plugin. */
  private failure(plugin: GatewayPlugin, hook: PluginHook, error: unknown): GatewayError {
    if (isGatewayError(error)) return error;
    this.host.failed(plugin.name, hook, this.context.requestId, error);
    return new GatewayError(`The ${plugin.name} plugin failed in ${hook}.`, {
      status: 500,
      errorClass: 'internal',
      code: 'plugin_failed',
      cause: error,
    });
  }
}

/** The request's headers without credentials, one value each. */
function readableHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const readable: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || SECRET_HEADER_NAME.test(name)) continue;
    readable[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return readable;
}
