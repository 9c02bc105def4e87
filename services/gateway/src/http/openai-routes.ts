import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StreamPart } from '@switchyard/shared';
import { ChatCompletionChunkWriter } from '../openai-wire/chat-completion-chunk-writer';
import { formatChatCompletion, formatEmbeddings } from '../openai-wire/format-chat-completion';
import { parseChatCompletionRequest, parseEmbeddingsRequest } from '../openai-wire/parse-chat-completion-request';
import type { Execution, RequestExecutor } from '../pipeline/request-executor';
import { authorizeModel } from '../auth/authorize-request';
import { admitGoverned } from './governance-admission';
import { routingOf } from './execution-headers';
import { HttpExchange, type ExchangeOptions } from './http-exchange';
import { applyModelExperiment } from './model-experiment';
import { serveChat } from './plugin-exchange';
import { readJsonBody } from './read-json-body';
import { readDropUnsupportedParams, setDroppedParamsHeader } from './parameter-dropping-headers';
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
  const { metrics, limits } = options;
  const bodyOptions = { limitBytes: options.bodyLimitBytes, timeoutMs: options.bodyTimeoutMs };

  async function chatCompletions(exchange: HttpExchange, execution: Execution): Promise<void> {
    const telemetry = exchange.track('chat.completion');
    // Headers first: a request whose body is refused is still recorded in its own workspace.
    telemetry.attribution = readAttribution(exchange.request.headers, limits, exchange.principal);
    const chatRequest = parseChatCompletionRequest(await readJsonBody(exchange.request, bodyOptions), limits);
    const dropUnsupportedParams = readDropUnsupportedParams(exchange.request.headers);
    if (dropUnsupportedParams !== undefined) chatRequest.dropUnsupportedParams = dropUnsupportedParams;
    telemetry.prompt = chatRequest;
    telemetry.requestedModel = chatRequest.model;
    telemetry.user = chatRequest.user ?? '';
    telemetry.streamed = chatRequest.stream;
    authorizeModel(exchange.principal, chatRequest.model);
    applyModelExperiment(options.experiments, telemetry, chatRequest, exchange.principal, exchange.requestId);
    await admitGoverned(exchange, options.governance, { chat: chatRequest });
    await serveChat(exchange, execution, executor, chatRequest, {
      send: (response) => {
        setDroppedParamsHeader(exchange.response, response.droppedParams);
        exchange.sendJson(200, formatChatCompletion(response));
      },
      stream: (parts, answeredBy, request) =>
        writeEventStream(exchange, telemetry, parts, new ChatCompletionChunkWriter(request.includeUsage), answeredBy),
    });
  }

  async function embeddings(exchange: HttpExchange, execution: Execution): Promise<void> {
    const telemetry = exchange.track('embeddings');
    telemetry.attribution = readAttribution(exchange.request.headers, limits, exchange.principal);
    const { request: embeddingRequest, encoding } = parseEmbeddingsRequest(await readJsonBody(exchange.request, bodyOptions), limits);
    telemetry.requestedModel = embeddingRequest.model;
    telemetry.user = embeddingRequest.user ?? '';
    authorizeModel(exchange.principal, embeddingRequest.model);
    await admitGoverned(exchange, options.governance, { embeddings: embeddingRequest });
    const { response, servedBy } = await executor.embed(embeddingRequest, execution.context, telemetry.attempted, routingOf(exchange));
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
    /** The provider, or `plugin:<name>`, for the time-to-first-chunk metric. */
    answeredBy: string,
  ): Promise<void> {
    const { response } = exchange;
    // The first part is read before the headers are written: it names the dropped parameters (a header), and a
    // failure before it is still answered as an error of its own, not as a stream that breaks off.
    const iterator = parts[Symbol.asyncIterator]();
    const head = await iterator.next();
    if (!head.done && head.value.type === 'response-start') setDroppedParamsHeader(response, head.value.droppedParams);
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    let first = true;
    for await (const part of resumed(head, iterator)) {
      if (response.destroyed) return;
      observeStreamPart(telemetry, part);
      const chunk = writer.write(part);
      if (chunk === undefined) continue;
      if (first) {
        first = false;
        metrics.firstChunk(answeredBy, (performance.now() - exchange.arrived) / 1000);
      }
      if (!response.write(`data: ${JSON.stringify(chunk)}\n\n`)) await drained(response);
    }
    if (!response.destroyed) response.end('data: [DONE]\n\n');
  }

  /**
   * Every way a request can end — answered, failed, a throw while writing
   * its headers or formatting a chunk, the client gone — passes the one
   * `finally` here, which cancels whatever it still had open upstream.
   */
  const serve =
    (route: string, handle: (exchange: HttpExchange, execution: Execution) => Promise<void>): RouteHandler =>
    (request, response) => {
      const exchange = new HttpExchange(request, response, route, options);
      const execution = executor.begin(exchange.context);
      handle(exchange, execution)
        .catch((error) => exchange.fail(execution.cancellation ?? error))
        .finally(() => execution.end());
    };

  return new Map([
    ['POST /v1/chat/completions', serve('chat.completion', chatCompletions)],
    ['POST /v1/embeddings', serve('embeddings', embeddings)],
  ]);
}

/** Keeps what the request record needs from a stream part. */
export function observeStreamPart(telemetry: RequestTelemetry, part: StreamPart): void {
  switch (part.type) {
    case 'response-start':
      telemetry.servedModel = part.model;
      break;
    case 'text-delta':
    case 'reasoning-delta':
    case 'refusal-delta':
      telemetry.firstToken();
      telemetry.output.add(part.text);
      break;
    case 'tool-call-start':
      telemetry.firstToken();
      telemetry.output.add(part.name);
      break;
    case 'tool-call-delta':
      telemetry.firstToken();
      telemetry.output.add(part.argumentsDelta);
      break;
    case 'finish':
      if (part.choice === 0) telemetry.finishReason = part.finishReason;
      break;
    case 'usage':
      telemetry.usage = part.usage;
      break;
    case 'reasoning-signature':
    case 'redacted-reasoning':
      // Opaque proofs of reasoning, not text the model wrote.
      break;
  }
}

/** `head`, then the rest of `iterator`: one iterable, which `for await` closes as usual when the loop is left early. */
function resumed<T>(head: IteratorResult<T>, iterator: AsyncIterator<T>): AsyncIterable<T> {
  let pending: IteratorResult<T> | undefined = head;
  const rest: AsyncIterator<T> = {
    next: () => {
      const result = pending;
      pending = undefined;
      return result === undefined ? iterator.next() : Promise.resolve(result);
    },
    return: (value?: unknown) => iterator.return?.(value) ?? Promise.resolve({ done: true, value: undefined }),
  };
  return { [Symbol.asyncIterator]: () => rest };
}

export function drained(response: ServerResponse): Promise<void> {
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
