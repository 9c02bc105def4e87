import type { ServerResponse } from 'node:http';
import { invalidRequest, type StreamPart } from '@switchyard/shared';
import { anthropicErrorBody } from '../anthropic-wire/anthropic-error-body';
import { formatMessage } from '../anthropic-wire/format-message';
import { MessageStreamWriter, serverSentEvent } from '../anthropic-wire/message-stream-writer';
import { parseMessagesRequest } from '../anthropic-wire/parse-messages-request';
import { authorizeModel } from '../auth/authorize-request';
import type { Execution, RequestExecutor } from '../pipeline/request-executor';
import { readAttribution } from '../telemetry/request-attribution';
import type { ErrorFormat } from './error-format';
import { admitGoverned } from './governance-admission';
import { HttpExchange, type ExchangeOptions } from './http-exchange';
import { serveChat } from './plugin-exchange';
import { resolveChatPrompt } from './prompt-exchange';
import { drained, observeStreamPart, type RouteHandler } from './openai-routes';
import { readJsonBody } from './read-json-body';
import { setSwitchyardHeader } from './response-headers';

/** Anthropic's error shape, as a JSON answer and as a stream's `error` event. */
export const ANTHROPIC_ERROR_FORMAT: ErrorFormat = {
  body: (error, requestId) => anthropicErrorBody(error, requestId),
  streamEvent: (error, requestId) => `event: error\ndata: ${JSON.stringify(anthropicErrorBody(error, requestId))}\n\n`,
};

const DROP_HEADER = 'x-switchyard-drop-unsupported-params';

/**
 * `POST /v1/messages`: Anthropic's Messages API in front of every provider,
 * so Claude's SDKs and tools reach any model. The request becomes the
 * canonical one and takes the same path as a chat completion (auth, model
 * scopes, rate limits and budgets, routing, the request record); the answer
 * and every error are written in Anthropic's format.
 */
export function createAnthropicRoutes(executor: RequestExecutor, options: ExchangeOptions): Map<string, RouteHandler> {
  const { metrics, limits } = options;
  const bodyOptions = { limitBytes: options.bodyLimitBytes, timeoutMs: options.bodyTimeoutMs };

  async function messages(exchange: HttpExchange, execution: Execution): Promise<void> {
    const telemetry = exchange.track('chat.completion');
    telemetry.attribution = readAttribution(exchange.request.headers, limits, exchange.principal);
    const body = await resolveChatPrompt(exchange, telemetry, options.prompts, await readJsonBody(exchange.request, bodyOptions), 'anthropic');
    const chatRequest = parseMessagesRequest(body, limits);
    const drop = readDropHeader(exchange.request.headers[DROP_HEADER]);
    if (drop !== undefined) chatRequest.dropUnsupportedParams = drop;
    telemetry.prompt = chatRequest;
    telemetry.requestedModel = chatRequest.model;
    telemetry.user = chatRequest.user ?? '';
    telemetry.streamed = chatRequest.stream;
    authorizeModel(exchange.principal, chatRequest.model);
    await admitGoverned(exchange, options.governance, { chat: chatRequest });
    await serveChat(exchange, execution, executor, chatRequest, {
      send: (response) => {
        setDroppedParams(exchange.response, response.droppedParams);
        exchange.sendJson(200, formatMessage(response));
      },
      stream: (parts, answeredBy) => writeEventStream(exchange, parts, answeredBy),
    });
  }

  /** `answeredBy`: the provider, or `plugin:<name>`, for the time-to-first-chunk metric. */
  async function writeEventStream(exchange: HttpExchange, parts: AsyncIterable<StreamPart>, answeredBy: string): Promise<void> {
    const { response } = exchange;
    const telemetry = exchange.telemetry!;
    const iterator = parts[Symbol.asyncIterator]();
    // The first part (response-start) says which parameters were dropped, for a header written before any byte.
    const first = await iterator.next();
    if (!first.done && first.value.type === 'response-start') setDroppedParams(response, first.value.droppedParams);
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const writer = new MessageStreamWriter();
    let firstChunk = true;
    const write = async (events: ReturnType<MessageStreamWriter['write']>): Promise<void> => {
      if (events.length === 0) return;
      if (firstChunk) {
        firstChunk = false;
        metrics.firstChunk(answeredBy, (performance.now() - exchange.arrived) / 1000);
      }
      if (!response.write(events.map(serverSentEvent).join(''))) await drained(response);
    };
    for (let next = first; !next.done; next = await iterator.next()) {
      // The client is gone: ending the execution cancels the upstream call.
      if (response.destroyed) return;
      observeStreamPart(telemetry, next.value);
      await write(writer.write(next.value));
    }
    if (response.destroyed) return;
    response.end(writer.end().map(serverSentEvent).join(''));
  }

  const serve =
    (route: string, handle: (exchange: HttpExchange, execution: Execution) => Promise<void>): RouteHandler =>
    (request, response) => {
      const exchange = new HttpExchange(request, response, route, options);
      exchange.errorFormat = ANTHROPIC_ERROR_FORMAT;
      // Anthropic's SDKs read the request id from this header.
      response.setHeader('request-id', exchange.requestId);
      const execution = executor.begin(exchange.context);
      handle(exchange, execution)
        .catch((error) => exchange.fail(execution.cancellation ?? error))
        .finally(() => execution.end());
    };

  return new Map([['POST /v1/messages', serve('messages', messages)]]);
}

function readDropHeader(value: string | string[] | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalidRequest(`The ${DROP_HEADER} header must be true or false.`, DROP_HEADER, 'invalid_header');
}

function setDroppedParams(response: ServerResponse, dropped: string[] | undefined): void {
  if (dropped && dropped.length > 0) setSwitchyardHeader(response, 'x-switchyard-dropped-params', dropped.join(','));
}
