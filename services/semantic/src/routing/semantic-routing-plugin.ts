import {
  GatewayError,
  invalidRequest,
  type BeforeOutcome,
  type GatewayPlugin,
  type PluginContext,
  type PluginEndpoint,
  type PluginFactory,
  type PluginServices,
  type SwitchyardConfig,
} from '@switchyard/shared';
import { lastUserText } from '../prompt-text';
import { IntentIndex, type IntentDecision } from './intent-index';

export const SEMANTIC_ROUTING_PLUGIN = 'semantic-routing';
export const SEMANTIC_ROUTE_HEADER = 'x-switchyard-semantic-route';
export const SEMANTIC_ROUTE_SCORE_HEADER = 'x-switchyard-semantic-route-score';
/** The route name reported when the request went to `default`. */
export const DEFAULT_ROUTE_NAME = 'default';

type SemanticRoutingConfig = NonNullable<SwitchyardConfig['semanticRouting']>;

/** Where a text goes: the decision plus the target it resolves to (`default`'s when not confident). */
export interface RoutingChoice {
  route: string;
  target: string | undefined;
  decision: IntentDecision | undefined;
}

/**
 * Routes a request by what its last user message is about. Only requests
 * whose `model` is the configured one (`switchyard/semantic`) are touched:
 * their model is rewritten to the chosen route's target before routing, so
 * the target may be any alias or `provider/model`.
 */
export class SemanticRoutingPlugin implements GatewayPlugin {
  readonly name = SEMANTIC_ROUTING_PLUGIN;
  readonly endpoints: readonly PluginEndpoint[];
  private index: Promise<IntentIndex> | undefined;

  constructor(
    private readonly config: SemanticRoutingConfig,
    private readonly services: PluginServices,
  ) {
    this.endpoints = [
      {
        method: 'POST',
        path: '/v1/semantic-routing/classify',
        endpoint: 'semantic-routing.classify',
        handle: async (call) => {
          const text = (call.body as { text?: unknown } | undefined)?.text;
          if (typeof text !== 'string' || text.trim() === '') throw invalidRequest('`text` must be a non-empty string.', 'text');
          const choice = await this.choose(text.trim(), call.signal);
          return {
            status: 200,
            body: {
              route: choice.route,
              target: choice.target ?? null,
              score: choice.decision?.score ?? null,
              nearest: choice.decision?.nearest ?? null,
            },
          };
        },
      },
    ];
  }

  async beforeRequest(context: PluginContext): Promise<BeforeOutcome | void> {
    if (context.request.model !== this.config.model) return;
    const text = lastUserText(context.request);
    let choice: RoutingChoice;
    if (text === '') {
      choice = { route: DEFAULT_ROUTE_NAME, target: this.config.default, decision: undefined };
    } else {
      try {
        choice = await this.choose(text, context.signal);
      } catch (error) {
        if (context.signal.aborted || this.config.default === undefined) throw error;
        // A default keeps requests flowing while the embedder is unavailable; the record says why.
        this.services.logger.warn(
          { requestId: context.requestId, plugin: this.name, err: (error as Error).message },
          'semantic routing failed; using the default',
        );
        context.annotate('semantic_route_error', (error as Error).message);
        choice = { route: DEFAULT_ROUTE_NAME, target: this.config.default, decision: undefined };
      }
    }
    if (choice.decision) {
      context.setHeader(SEMANTIC_ROUTE_SCORE_HEADER, choice.decision.score.toFixed(4));
      context.annotate('semantic_route_score', choice.decision.score.toFixed(4));
    }
    if (choice.target === undefined) return { kind: 'reject', error: noRoute(choice.decision, this.config) };
    context.setHeader(SEMANTIC_ROUTE_HEADER, choice.route);
    context.annotate('semantic_route', choice.route);
    context.annotate('semantic_route_target', choice.target);
    return { kind: 'rewrite', request: { ...context.request, model: choice.target } };
  }

  /** The route for a text (trimmed, non-empty). */
  async choose(text: string, signal?: AbortSignal): Promise<RoutingChoice> {
    const index = await this.intentIndex(signal);
    const [vector] = await this.services.embedder().embed([text], signal);
    const decision = index.classify(vector);
    if (decision.confident) return { route: decision.nearest, target: decision.target, decision };
    return { route: DEFAULT_ROUTE_NAME, target: this.config.default, decision };
  }

  /** Embeds the examples on first use (so a gateway that never routes loads no model); a failed build is tried again next time. */
  private intentIndex(signal?: AbortSignal): Promise<IntentIndex> {
    if (!this.index) {
      const intents = this.config.routes.map((route) => ({
        name: route.name,
        target: route.target,
        examples: route.description === undefined ? route.utterances : [...route.utterances, route.description],
      }));
      const options = { method: this.config.method, k: this.config.k, threshold: this.config.threshold };
      // Not the request's signal: one client going away must not fail the build others wait on.
      this.index = IntentIndex.build(this.services.embedder(), intents, options);
      this.index.catch(() => {
        this.index = undefined;
      });
    }
    return signal ? raceAbort(this.index, signal) : this.index;
  }
}

function noRoute(decision: IntentDecision | undefined, config: SemanticRoutingConfig): GatewayError {
  const why = decision
    ? `its nearest route, "${decision.nearest}", scored ${decision.score.toFixed(4)}, below the threshold of ${config.threshold}`
    : 'it has no user message with text to route by';
  return new GatewayError(`The request to \`${config.model}\` matches no semantic route: ${why}, and no default route is configured.`, {
    status: 400,
    errorClass: 'invalid_request',
    param: 'messages',
    code: 'no_semantic_route',
  });
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Built when config has a `semanticRouting` section. */
export const semanticRoutingPluginFactory: PluginFactory = {
  name: SEMANTIC_ROUTING_PLUGIN,
  create(services) {
    const config = services.config.semanticRouting;
    return config ? new SemanticRoutingPlugin(config, services) : undefined;
  },
};
