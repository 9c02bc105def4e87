import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { GatewayError, invalidRequest, type ObservabilityQueryService, type RouterService } from '@switchyard/shared';
import type { RequestExecutor } from '../pipeline/request-executor';
import { createCorsPolicy } from './cors-policy';
import { HttpExchange, type ExchangeOptions } from './http-exchange';
import { createObservabilityRoutes } from './observability-routes';
import { createOpenAIRoutes } from './openai-routes';

export interface HttpAppOptions extends ExchangeOptions {
  executor: RequestExecutor;
  router: RouterService;
  observability: ObservabilityQueryService;
  /** False while starting or draining: `/readyz` answers 503. */
  isReady: () => boolean;
  /** Browser origins allowed to call the API; none when empty. */
  corsAllowedOrigins: readonly string[];
}

/**
 * The gateway's HTTP API as one node:http request listener: the model
 * traffic routes (`openai-routes.ts`) first, then the express app for
 * models, health, readiness, metrics and everything else.
 */
export function createRequestListener(options: HttpAppOptions): (request: IncomingMessage, response: ServerResponse) => void {
  const fastRoutes = createOpenAIRoutes(options.executor, options);
  const app = createExpressApp(options);
  const cors = createCorsPolicy(options.corsAllowedOrigins);
  return (request, response) => {
    if (cors(request, response)) return;
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const handler = fastRoutes.get(`${request.method} ${query === -1 ? url : url.slice(0, query)}`);
    if (handler) handler(request, response);
    else app(request, response);
  };
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
    const ready = options.isReady();
    response.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready' });
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
      data: models.map((model) => ({ id: model.id, object: 'model', created: 0, owned_by: model.ownedBy })),
    });
    exchange.completed();
  });

  app.use(createObservabilityRoutes(options.observability));

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
  return 'other';
}
