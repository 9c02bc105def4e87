import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StreamPart } from '@switchyard/shared';
import { ChatCompletionChunkWriter } from '../openai-wire/chat-completion-chunk-writer';
import { formatChatCompletion, formatEmbeddings } from '../openai-wire/format-chat-completion';
import { parseChatCompletionRequest, parseEmbeddingsRequest } from '../openai-wire/parse-chat-completion-request';
import type { RequestExecutor, ServedBy } from '../pipeline/request-executor';
import { HttpExchange, type ExchangeOptions } from './http-exchange';
import { readJsonBody } from './read-json-body';

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
    const chatRequest = parseChatCompletionRequest(await readJsonBody(exchange.request, bodyLimitBytes));
    if (!chatRequest.stream) {
      const { response, servedBy } = await executor.complete(chatRequest, exchange.context);
      exchange.setServedBy(servedBy);
      exchange.sendJson(200, formatChatCompletion(response));
      exchange.completed(servedBy);
      return;
    }
    const { parts, servedBy } = await executor.stream(chatRequest, exchange.context);
    exchange.setServedBy(servedBy);
    await writeEventStream(exchange, parts, new ChatCompletionChunkWriter(chatRequest.includeUsage), servedBy);
    exchange.completed(servedBy);
  }

  async function embeddings(exchange: HttpExchange): Promise<void> {
    const embeddingRequest = parseEmbeddingsRequest(await readJsonBody(exchange.request, bodyLimitBytes));
    const { response, servedBy } = await executor.embed(embeddingRequest, exchange.context);
    exchange.setServedBy(servedBy);
    exchange.sendJson(200, formatEmbeddings(response));
    exchange.completed(servedBy);
  }

  async function writeEventStream(
    exchange: HttpExchange,
    parts: AsyncIterable<StreamPart>,
    writer: ChatCompletionChunkWriter,
    servedBy: ServedBy,
  ): Promise<void> {
    const { response } = exchange;
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
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

  const serve = (route: string, handle: (exchange: HttpExchange) => Promise<void>): RouteHandler => (request, response) => {
    const exchange = new HttpExchange(request, response, route, options);
    handle(exchange).catch((error) => exchange.fail(error));
  };

  return new Map([
    ['POST /v1/chat/completions', serve('chat_completions', chatCompletions)],
    ['POST /v1/embeddings', serve('embeddings', embeddings)],
  ]);
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
