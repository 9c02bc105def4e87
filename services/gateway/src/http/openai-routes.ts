import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StreamPart } from '@switchyard/shared';
import { ChatCompletionChunkWriter } from '../openai-wire/chat-completion-chunk-writer';
import { formatChatCompletion, formatEmbeddings } from '../openai-wire/format-chat-completion';
import { parseChatCompletionRequest, parseEmbeddingsRequest } from '../openai-wire/parse-chat-completion-request';
import type { RequestExecutor, ServedBy } from '../pipeline/request-executor';
import { HttpExchange, type ExchangeOptions } from './http-exchange';
import { readJsonBody } from './read-json-body';
import { readAttribution } from '../telemetry/request-attribution';
import type { RequestTelemetry } from '../telemetry/request-telemetry';

export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * The two routes that carry model traffic, served straight on node:http:
 * they are every request's hot path, and express's router and body parser
 * cost more per request than all of Switchyard's own work (see bench/).
 * Everything else goes through the express app.
 */
export function createOpenAIRoutes(executor: RequestExecutor, options: ExchangeOptions): Map<string, RouteHandler> {
  const { metrics, bodyLimitBytes } = options;

  async function chatCompletions(exchange: HttpExchange): Promise<void> {
    const telemetry = exchange.track('chat-completion');
    const chatRequest = parseChatCompletionRequest(await readJsonBody(exchange.request, bodyLimitBytes));
    telemetry.requestedModel = chatRequest.model;
    telemetry.user = chatRequest.user ?? '';
    telemetry.streamed = chatRequest.stream;
    telemetry.attribution = readAttribution(exchange.request.headers);
    if (!chatRequest.stream) {
      const { response, servedBy } = await executor.complete(chatRequest, exchange.context, telemetry.attempted);
      telemetry.servedModel = response.model;
      telemetry.usage = response.usage;
      telemetry.finishReason = response.choices[0]?.finishReason;
      exchange.setServedBy(servedBy);
      exchange.sendJson(200, formatChatCompletion(response));
      exchange.completed(servedBy);
      return;
    }
    const { parts, servedBy } = await executor.stream(chatRequest, exchange.context, telemetry.attempted);
    exchange.setServedBy(servedBy);
    await writeEventStream(exchange, telemetry, parts, new ChatCompletionChunkWriter(chatRequest.includeUsage), servedBy);
    exchange.completed(servedBy);
  }

  async function embeddings(exchange: HttpExchange): Promise<void> {
    const telemetry = exchange.track('embedding');
    const { request: embeddingRequest, encoding } = parseEmbeddingsRequest(await readJsonBody(exchange.request, bodyLimitBytes));
    telemetry.requestedModel = embeddingRequest.model;
    telemetry.user = embeddingRequest.user ?? '';
    telemetry.attribution = readAttribution(exchange.request.headers);
    const { response, servedBy } = await executor.embed(embeddingRequest, exchange.context, telemetry.attempted);
    telemetry.servedModel = response.model;
    telemetry.usage = response.usage;
    exchange.setServedBy(servedBy);
    exchange.sendJson(200, formatEmbeddings(response, encoding));
    exchange.completed(servedBy);
  }

  async function writeEventStream(
    exchange: HttpExchange,
    telemetry: RequestTelemetry,
    parts: AsyncIterable<StreamPart>,
    writer: ChatCompletionChunkWriter,
    servedBy: ServedBy,
  ): Promise<void> {
    const { response } = exchange;
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    let first = true;
    for await (const part of parts) {
      if (response.destroyed) return;
      observeStreamPart(telemetry, part);
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

  const serve = (route: string, handle: (exchange: HttpExchange) => Promise<void>): RouteHandler => (request, response) => {
    const exchange = new HttpExchange(request, response, route, options);
    handle(exchange).catch((error) => exchange.fail(error));
  };

  return new Map([
    ['POST /v1/chat/completions', serve('chat_completions', chatCompletions)],
    ['POST /v1/embeddings', serve('embeddings', embeddings)],
  ]);
}

/** Keeps what the request record needs from a stream part. */
function observeStreamPart(telemetry: RequestTelemetry, part: StreamPart): void {
  switch (part.type) {
    case 'response-start':
      telemetry.servedModel = part.model;
      break;
    case 'text-delta':
    case 'reasoning-delta':
    case 'refusal-delta':
    case 'tool-call-start':
    case 'tool-call-delta':
      telemetry.firstToken();
      break;
    case 'finish':
      if (part.choice === 0) telemetry.finishReason = part.finishReason;
      break;
    case 'usage':
      telemetry.usage = part.usage;
      break;
  }
}

function drained(response: ServerResponse): Promise<void> {
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
