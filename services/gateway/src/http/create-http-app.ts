import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import {
  GatewayError,
  invalidRequest,
  type ObservabilityQueryService,
  type Principal,
  type RouterService,
  type TracesConfig,
} from '@switchyard/shared';
import { authorizeEndpoint, authorizeRequest } from '../auth/authorize-request';
import { gatewayEndpoint, type GatewayEndpoint } from '../auth/gateway-endpoints';
import type { RequestAuthenticator } from '../auth/request-authenticator';
import { setRequestPrincipal } from '../auth/request-principal';
import type { RequestExecutor } from '../pipeline/request-executor';
import { createAlertRoutes } from './alert-routes';
import type { CostRecommender } from '../analytics/cost-recommendations';
import { createAnalyticsRoutes } from './analytics-routes';
import { createEdgeRoutes, type EdgeIngestEndpoints } from './edge-routes';
import { createConversationRoutes, type ConversationQueries } from './conversation-routes';
import { createAudioRoutes } from './audio-routes';
import { ANTHROPIC_ERROR_FORMAT, createAnthropicRoutes } from './anthropic-routes';
import { createCorsPolicy } from './cors-policy';
import type { DashboardHandler } from './dashboard-routes';
import { HttpExchange, type ExchangeOptions } from './http-exchange';
import { createObservabilityRoutes, type QueryLimits } from './observability-routes';
import { createOpenAIRoutes } from './openai-routes';
import { createTraceRoutes } from './trace-routes';
import { createPluginEndpointRoutes, DEFAULT_PLUGIN_ENDPOINT_ROLES } from './plugin-endpoint-routes';
import { createResponsesRoutes, createStoredResponseRoutes } from './responses-routes';
import type { ResponseStore } from '../responses-store/response-store';
import type { ModelDetails } from './model-details';

export interface HttpAppOptions extends ExchangeOptions {
  executor: RequestExecutor;
  router: RouterService;
  observability: ObservabilityQueryService;
  /** False while starting or draining: `/readyz` answers 503. */
  isReady: () => boolean;
  /** Browser origins allowed to call the API; none when empty. */
  corsAllowedOrigins: readonly string[];
  /** Who is calling, from the headers alone. */
  authenticator: RequestAuthenticator;
  /** `/metrics` answers without a credential. */
  publicMetrics: boolean;
  /** Time windows of the query API. */
  queryLimits: QueryLimits;
  /** The admin API (`/admin/v1/…`, `/openapi.json`): it authenticates its callers itself. */
  adminRoutes?: express.RequestHandler;
  /** Context windows and capabilities added to `/v1/models` entries. */
  modelDetails?: ModelDetails;
  /** The web dashboard at `/ui`: public pages that ask for a key themselves. */
  dashboard?: DashboardHandler;
  /** Cheaper models for recorded traffic (`/v1/analytics/recommendations`); a 501 there when absent. */
  costRecommender?: CostRecommender;
  /** Limits of `POST /v1/traces` (`traces` of the config); its defaults when absent. */
  traces?: TracesConfig;
  /** Stored responses of the Responses API; none: `store` is ignored and `previous_response_id` refused. */
  responseStore?: ResponseStore;
  /** Omi's edge routes (`POST /v1/sync-local-files` here; the WebSockets on the server's upgrades); none when absent. */
  edgeIngest?: EdgeIngestEndpoints;
  /** Conversations of wearable audio streams (`/v1/conversations`); a 404 there when absent. */
  conversations?: ConversationQueries;
}

/**
 * The gateway's HTTP API as one node:http request listener: the model
 * traffic routes (`openai-routes.ts`) first, then the express app for
 * models, health, readiness, metrics and everything else.
 *
 * Authentication and the checks that need only headers (the key's
 * endpoints, the workspace it may act for) run here, before either kind of
 * route and before anything reads the body: a refused request's body is
 * never read, and its connection is closed rather than drained.
 */
export function createRequestListener(options: HttpAppOptions): (request: IncomingMessage, response: ServerResponse) => void {
  const fastRoutes = new Map([
    ...createOpenAIRoutes(options.executor, options),
    ...createAnthropicRoutes(options.executor, options),
    ...createResponsesRoutes(options.executor, options),
    ...createEdgeRoutes(options.edgeIngest, options.authenticator),
    ...createAudioRoutes(options.executor, options),
  ]);
  const pluginRoutes = createPluginEndpointRoutes(options.plugins, options);
  const app = createExpressApp(options);
  const cors = createCorsPolicy(options.corsAllowedOrigins);
  const { authenticator } = options;
  return (request, response) => {
    if (cors(request, response)) return;
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    // The dashboard's pages ask for the key themselves; the model routes pay one character comparison.
    if (path.charCodeAt(1) === 117 /* u */ && options.dashboard?.(request, response)) return;
    const pluginRoute = pluginRoutes.size === 0 ? undefined : pluginRoutes.get(`${request.method} ${path}`);
    if (pluginRoute) {
      if (!authenticator.required) {
        pluginRoute.handle(request, response);
        return;
      }
      const { endpoint } = pluginRoute;
      authenticator
        .authenticate(request.headers)
        .then(
          (principal) => {
            try {
              authorizeEndpoint(principal, endpoint.endpoint, endpoint.roles ?? DEFAULT_PLUGIN_ENDPOINT_ROLES, request.headers);
            } catch (error) {
              refuse(request, response, 'other', error, options, principal);
              return;
            }
            setRequestPrincipal(request, principal);
            pluginRoute.handle(request, response);
          },
          (error: unknown) => refuse(request, response, 'other', error, options),
        )
        .catch((error: unknown) => {
          options.logger.error({ err: error }, 'request-listener-failed');
          response.destroy();
        });
      return;
    }
    const handler = fastRoutes.get(`${request.method} ${path}`);
    const dispatch = (): void => {
      if (handler) handler(request, response);
      else app(request, response);
    };
    // Local development: no credential asked for, no await on the hot path.
    if (!authenticator.required) {
      dispatch();
      return;
    }
    const endpoint = options.adminRoutes && isAdminPath(path) ? undefined : gatewayEndpoint(request.method, path, options.publicMetrics);
    if (endpoint === undefined) {
      dispatch();
      return;
    }
    authenticator
      .authenticate(request.headers)
      .then(
        (principal) => {
          try {
            authorizeRequest(principal, endpoint, request.headers);
          } catch (error) {
            refuse(request, response, endpoint, error, options, principal);
            return;
          }
          setRequestPrincipal(request, principal);
          dispatch();
        },
        (error: unknown) => refuse(request, response, endpoint, error, options),
      )
      // Routes answer their own errors; anything that still escapes ends this connection, not the process.
      .catch((error: unknown) => {
        options.logger.error({ err: error }, 'request-listener-failed');
        response.destroy();
      });
  };
}

/** Answers a refused request without reading its body (the exchange tells the audit hook). */
function refuse(
  request: IncomingMessage,
  response: ServerResponse,
  endpoint: GatewayEndpoint,
  error: unknown,
  options: HttpAppOptions,
  principal?: Principal,
): void {
  if (principal) setRequestPrincipal(request, principal);
  const exchange = new HttpExchange(request, response, endpointRoute(endpoint), options);
  if (endpoint === 'messages') exchange.errorFormat = ANTHROPIC_ERROR_FORMAT;
  // The unread body would otherwise be drained before the connection could serve another request.
  response.setHeader('connection', 'close');
  if (error instanceof GatewayError && error.status === 401) response.setHeader('www-authenticate', 'Bearer realm="switchyard"');
  exchange.fail(error);
}

/** The admin API's paths: it checks admin tokens, JWTs and the permission matrix itself. */
function isAdminPath(path: string): boolean {
  return path === '/openapi.json' || path === '/admin/v1' || path.startsWith('/admin/v1/');
}

/** The metrics label of a refused request, as its route would have named it. */
function endpointRoute(endpoint: GatewayEndpoint): string {
  switch (endpoint) {
    case 'chat.completions':
      return 'chat.completion';
    case 'messages':
      return 'messages';
    case 'embeddings':
      return 'embeddings';
    case 'audio.transcriptions':
      return 'audio.transcription';
    case 'responses':
      return 'responses';
    case 'models.read':
      return 'models';
    case 'requests.read':
      return 'requests';
    case 'usage.read':
      return 'usage';
    case 'user_data.delete':
      return 'user_data';
    case 'feedback.write':
      return 'feedback';
    case 'traces.write':
    case 'traces.read':
      return 'traces';
    default:
      return 'other';
  }
}

function createExpressApp(options: HttpAppOptions): express.Express {
  const { router, metrics } = options;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  app.use((request, response, next) => {
    response.locals.exchange = new HttpExchange(request, response, routeName(request.path), options);
    next();
  });

  app.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  app.get('/readyz', (_request, response) => {
    // A gateway that follows a router's snapshots is ready once it has one, and stays so on the last one while the router is away.
    const routes = router.readiness?.();
    const ready = options.isReady() && routes !== 'waiting';
    response.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', ...(routes !== undefined && { router: routes }) });
  });
  app.get('/metrics', async (_request, response) => {
    response.setHeader('content-type', metrics.registry.contentType);
    response.end(await metrics.registry.metrics());
  });

  app.get('/v1/models', async (_request, response) => {
    const exchange = response.locals.exchange as HttpExchange;
    const models = await router.listModels(exchange.context);
    exchange.sendJson(200, {
      object: 'list',
      data: models.map((model) => ({ id: model.id, object: 'model', created: 0, owned_by: model.ownedBy, ...options.modelDetails?.of(model) })),
    });
    exchange.completed();
  });

  const { adminRoutes } = options;
  // Only the admin paths reach it: nothing else waits on what the admin API needs (its tables opening).
  if (adminRoutes) app.use((request, response, next) => (isAdminPath(request.path) ? adminRoutes(request, response, next) : next()));
  app.use(createStoredResponseRoutes(options.responseStore));
  app.use(createObservabilityRoutes(options.observability, options.queryLimits));
  app.use(createTraceRoutes({ ...options, publisher: options.recorder.publisher }));
  app.use(createAlertRoutes(options.observability));
  app.use(createAnalyticsRoutes(options.observability, { ...options, limits: options.queryLimits, recommender: options.costRecommender }));
  app.use(createConversationRoutes(options.conversations));

  app.use((request, _response, next) => {
    next(
      new GatewayError(`Unknown request URL: ${request.method} ${request.path}.`, {
        status: 404,
        errorClass: 'not_found',
        code: 'unknown_url',
      }),
    );
  });

  app.use((error: unknown, _request: Request, response: Response, _next: NextFunction) => {
    // A path parameter that is not valid percent-encoding (`/v1/requests/%E0%A4%A`) is the client's error.
    const malformedUrl = error instanceof URIError;
    (response.locals.exchange as HttpExchange).fail(
      malformedUrl ? invalidRequest('The request URL holds a malformed percent-encoding.', null, 'invalid_url') : error,
    );
  });

  return app;
}

function routeName(path: string): string {
  if (path === '/v1/models') return 'models';
  if (path === '/v1/usage') return 'usage';
  if (path === '/v1/requests' || path.startsWith('/v1/requests/')) return 'requests';
  if (path.startsWith('/v1/users/')) return 'user_data';
  if (path === '/v1/analytics' || path.startsWith('/v1/analytics/')) return 'analytics';
  if (path === '/v1/feedback') return 'feedback';
  if (path === '/v1/traces' || path.startsWith('/v1/traces/')) return 'traces';
  if (path.startsWith('/v1/responses/')) return 'responses';
  if (path === '/v1/conversations' || path.startsWith('/v1/conversations/')) return 'conversations';
  if (path.startsWith('/admin/')) return 'admin';
  return 'other';
}
