import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import {
  GatewayError,
  type CallContext,
  type Logger,
  type RouterService,
  type StreamPart,
} from '@switchyard/shared';
import { ChatCompletionChunkWriter } from '../openai-wire/chat-completion-chunk-writer';
import { formatChatCompletion, formatEmbeddings } from '../openai-wire/format-chat-completion';
import { parseChatCompletionRequest, parseEmbeddingsRequest } from '../openai-wire/parse-chat-completion-request';
import type { RequestExecutor, ServedBy } from '../pipeline/request-executor';
import type { GatewayMetrics } from './gateway-metrics';
import { requestTimedOut, toGatewayError } from './http-errors';

export interface HttpAppOptions {
  executor: RequestExecutor;
  router: RouterService;
  metrics: GatewayMetrics;
  logger: Logger;
  bodyLimitBytes: number;
  requestTimeoutMs: number;
  /** False while starting or draining: `/readyz` answers 503. */
  isReady: () => boolean;
}

/** What one request carries through its handler. */
interface Exchange {
  requestId: string;
  arrived: number;
  context: CallContext;
  deadlineExceeded: () => boolean;
  finish: () => void;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The OpenAI-compatible HTTP API. */
export function createHttpApp(options: HttpAppOptions): express.Express {
  const { executor, router, metrics, logger } = options;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  app.use((request, response, next) => {
    const offered = request.headers['x-request-id'];
    const requestId = typeof offered === 'string' && REQUEST_ID.test(offered) ? offered : randomUUID();
    response.locals.requestId = requestId;
    response.locals.arrived = performance.now();
    response.setHeader('x-request-id', requestId);
    next();
  });

  const parseJson = express.json({ limit: options.bodyLimitBytes, type: () => true, strict: false });

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

  app.get('/v1/models', async (_request, response, next) => {
    const exchange = begin(response);
    try {
      const models = await router.listModels(exchange.context);
      sendJson(response, 200, {
        object: 'list',
        data: models.map((model) => ({ id: model.id, object: 'model', created: 0, owned_by: model.ownedBy })),
      });
      finished('models', response, exchange);
    } catch (error) {
      next(error);
    } finally {
      exchange.finish();
    }
  });

  app.post('/v1/chat/completions', parseJson, async (request, response, next) => {
    const exchange = begin(response);
    try {
      const chatRequest = parseChatCompletionRequest(request.body);
      if (!chatRequest.stream) {
        const { response: chatResponse, servedBy } = await executor.complete(chatRequest, exchange.context);
        setServedBy(response, servedBy);
        sendJson(response, 200, formatChatCompletion(chatResponse));
        finished('chat_completions', response, exchange, servedBy);
        return;
      }
      const { parts, servedBy } = await executor.stream(chatRequest, exchange.context);
      setServedBy(response, servedBy);
      await writeEventStream(response, parts, new ChatCompletionChunkWriter(chatRequest.includeUsage), exchange, servedBy);
      finished('chat_completions', response, exchange, servedBy);
    } catch (error) {
      next(exchange.deadlineExceeded() ? requestTimedOut(options.requestTimeoutMs) : error);
    } finally {
      exchange.finish();
    }
  });

  app.post('/v1/embeddings', parseJson, async (request, response, next) => {
    const exchange = begin(response);
    try {
      const embeddingRequest = parseEmbeddingsRequest(request.body);
      const { response: embeddings, servedBy } = await executor.embed(embeddingRequest, exchange.context);
      setServedBy(response, servedBy);
      sendJson(response, 200, formatEmbeddings(embeddings));
      finished('embeddings', response, exchange, servedBy);
    } catch (error) {
      next(exchange.deadlineExceeded() ? requestTimedOut(options.requestTimeoutMs) : error);
    } finally {
      exchange.finish();
    }
  });

  app.use((request, _response, next) => {
    next(
      new GatewayError(`Unknown request URL: ${request.method} ${request.path}.`, {
        status: 404, errorClass: 'not_found', type: 'invalid_request_error', code: 'unknown_url',
      }),
    );
  });

  app.use((error: unknown, request: Request, response: Response, _next: NextFunction) => {
    const gatewayError = toGatewayError(error, options.bodyLimitBytes);
    metrics.error(gatewayError);
    const log = { requestId: response.locals.requestId, method: request.method, path: request.path, status: gatewayError.status, errorClass: gatewayError.errorClass, code: gatewayError.code };
    if (gatewayError.status >= 500 && gatewayError.errorClass === 'internal') logger.error({ ...log, err: error }, 'request failed');
    else logger.info(log, 'request failed');
    metrics.requestFinished(routeName(request.path), gatewayError.status, (performance.now() - response.locals.arrived) / 1000);
    if (response.headersSent) {
      // Mid-stream: OpenAI's clients read an `error` event and stop.
      if (!response.writableEnded && !response.destroyed) response.end(`data: ${JSON.stringify(gatewayError.toJSON())}\n\n`);
      return;
    }
    if (gatewayError.retryAfter !== undefined) response.setHeader('retry-after', gatewayError.retryAfter);
    sendJson(response, gatewayError.status, gatewayError.toJSON());
  });

  function begin(response: Response): Exchange {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, options.requestTimeoutMs);
    const onClose = () => {
      if (!response.writableFinished) controller.abort();
    };
    response.once('close', onClose);
    return {
      requestId: response.locals.requestId,
      arrived: response.locals.arrived,
      context: { requestId: response.locals.requestId, signal: controller.signal },
      deadlineExceeded: () => timedOut,
      finish: () => clearTimeout(timer),
    };
  }

  function finished(route: string, response: Response, exchange: Exchange, servedBy?: ServedBy): void {
    const durationSeconds = (performance.now() - exchange.arrived) / 1000;
    metrics.requestFinished(route, response.statusCode, durationSeconds);
    logger.info(
      {
        requestId: exchange.requestId,
        route,
        status: response.statusCode,
        durationMs: Math.round(durationSeconds * 1e4) / 10,
        ...(servedBy && { provider: servedBy.deployment.providerId, model: servedBy.deployment.model, attempts: servedBy.attempts }),
      },
      'request completed',
    );
  }

  async function writeEventStream(
    response: Response,
    parts: AsyncIterable<StreamPart>,
    writer: ChatCompletionChunkWriter,
    exchange: Exchange,
    servedBy: ServedBy,
  ): Promise<void> {
    response.status(200);
    response.setHeader('content-type', 'text/event-stream; charset=utf-8');
    response.setHeader('cache-control', 'no-cache');
    response.setHeader('connection', 'keep-alive');
    response.flushHeaders();
    let first = true;
    for await (const part of parts) {
      if (response.destroyed) return;
      const chunk = writer.write(part);
      if (chunk === undefined) continue;
      if (first) {
        first = false;
        metrics.firstChunk(servedBy.deployment.providerId, (performance.now() - exchange.arrived) / 1000);
      }
      if (!response.write(`data: ${JSON.stringify(chunk)}\n\n`)) await drained(response);
    }
    if (!response.destroyed) response.end('data: [DONE]\n\n');
  }

  return app;
}

function sendJson(response: Response, status: number, body: unknown): void {
  response.statusCode = status;
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.end(JSON.stringify(body));
}

function setServedBy(response: Response, servedBy: ServedBy): void {
  response.setHeader('x-switchyard-provider', servedBy.deployment.providerId);
  response.setHeader('x-switchyard-model', servedBy.deployment.model);
  response.setHeader('x-switchyard-attempts', String(servedBy.attempts));
  if (servedBy.routePath) response.setHeader('x-switchyard-route-path', servedBy.routePath);
}

function drained(response: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

function routeName(path: string): string {
  if (path === '/v1/chat/completions') return 'chat_completions';
  if (path === '/v1/embeddings') return 'embeddings';
  if (path === '/v1/models') return 'models';
  return 'other';
}
