import { Router, type NextFunction, type Request, type Response } from 'express';
import { GatewayError, invalidRequest, permissionDenied, type ChatRequest, type ExecutionPlan, type StreamPart } from '@switchyard/shared';
import { authorizeModel, authorizeWorkspaceFilter } from '../auth/authorize-request';
import type { Execution, RequestExecutor } from '../pipeline/request-executor';
import type { ResponseStore } from '../responses-store/response-store';
import { formatResponse, type ResponseEnvelope } from '../responses-wire/format-response';
import {
  newItemId,
  parseResponsesRequest,
  toChatRequest,
  type ParsedResponsesRequest,
  type ResponseItem,
} from '../responses-wire/parse-responses-request';
import { ResponseStreamWriter, serverSentEvent, type ResponseStreamEvent } from '../responses-wire/response-stream-writer';
import { readAttribution } from '../telemetry/request-attribution';
import type { RequestTelemetry } from '../telemetry/request-telemetry';
import { OPENAI_ERROR_FORMAT } from './error-format';
import { routingOf } from './execution-headers';
import { admitGoverned } from './governance-admission';
import { HttpExchange, type ExchangeOptions } from './http-exchange';
import { drained, observeStreamPart, type RouteHandler } from './openai-routes';
import { readDropUnsupportedParams, setDroppedParamsHeader } from './parameter-dropping-headers';
import { serveChat } from './plugin-exchange';
import { readJsonBody } from './read-json-body';

/** What the Responses routes need beyond every route's options. */
export interface ResponsesRouteOptions extends ExchangeOptions {
  /** Stored responses; without one, `store` is ignored (answered as `store: false`) and `previous_response_id` is refused. */
  responseStore?: ResponseStore;
}

/** A stored response's id (Switchyard's `resp_…`, or a Responses-native upstream's); nothing else reaches the database. */
const RESPONSE_ID = /^[\w.:-]{1,128}$/;

/**
 * `POST /v1/responses`: OpenAI's Responses API in front of every provider.
 * The request, with the stored conversation of `previous_response_id`
 * replayed before its input, becomes the canonical one and takes the same
 * path as a chat completion (auth, model scopes, limits and budgets,
 * plugins, routing, the request record, as operation `responses`); the
 * answer is written as a `Response` or as the typed event stream, and
 * stored in the caller's workspace unless `store` is false.
 */
export function createResponsesRoutes(executor: RequestExecutor, options: ResponsesRouteOptions): Map<string, RouteHandler> {
  const { metrics, limits, responseStore } = options;
  const bodyOptions = { limitBytes: options.bodyLimitBytes, timeoutMs: options.bodyTimeoutMs };

  async function create(exchange: HttpExchange, execution: Execution, writer: { current?: ResponseStreamWriter }): Promise<void> {
    const telemetry = exchange.track('responses');
    telemetry.attribution = readAttribution(exchange.request.headers, limits, exchange.principal);
    const parsed = parseResponsesRequest(await readJsonBody(exchange.request, bodyOptions), limits);
    const { workspace } = telemetry.attribution;
    authorizeModel(exchange.principal, parsed.body.model);
    // Plugins (cache, guardrails) read canonical requests: a request they apply to is always translated.
    const pluginsApply = exchange.plugins?.appliesTo(workspace, parsed.body.model) ?? false;
    const native = pluginsApply ? undefined : await executor.nativeResponsesPlan(parsed.body.model, execution.context, routingOf(exchange));
    if (native) {
      await passThrough(exchange, execution, parsed, native, workspace);
      return;
    }
    const previousId = parsed.body.previous_response_id ?? undefined;
    const history = previousId === undefined ? [] : await conversationBefore(previousId, workspace);
    const chatRequest = toChatRequest(parsed, history);
    const dropUnsupportedParams = readDropUnsupportedParams(exchange.request.headers);
    if (dropUnsupportedParams !== undefined) chatRequest.dropUnsupportedParams = dropUnsupportedParams;
    telemetry.prompt = chatRequest;
    telemetry.requestedModel = chatRequest.model;
    telemetry.user = chatRequest.user ?? '';
    telemetry.streamed = chatRequest.stream;
    await admitGoverned(exchange, options.governance, { chat: chatRequest });
    const store = parsed.store && responseStore !== undefined;
    const envelope: ResponseEnvelope = { id: newItemId('resp'), createdAt: Math.floor(Date.now() / 1000), body: parsed.body, store };
    const save = (response: Record<string, unknown>, output: readonly ResponseItem[]): Promise<void> =>
      store ? responseStore.save(storedOf(envelope, parsed, workspace, response, output)) : Promise.resolve();
    await serveChat(exchange, execution, executor, chatRequest, {
      send: async (response) => {
        const object = formatResponse(response, envelope);
        // Stored before it is sent: a client may chain on it as soon as it has it.
        await save(object, object.output as ResponseItem[]);
        setDroppedParamsHeader(exchange.response, response.droppedParams);
        exchange.sendJson(200, object);
      },
      stream: (parts, answeredBy) => {
        writer.current = new ResponseStreamWriter(envelope);
        return writeEventStream(exchange, parts, writer.current, answeredBy, save);
      },
    });
  }

  /**
   * The body as the client sent it, to an upstream that speaks the Responses
   * API (OpenAI, xAI): its answer, or its events, reach the client
   * unchanged; what the record needs is read on the way. The upstream's
   * response is stored under its own id too (unless `store` is false), so
   * it can be read here and continued on any provider.
   */
  async function passThrough(
    exchange: HttpExchange,
    execution: Execution,
    parsed: ParsedResponsesRequest,
    plan: ExecutionPlan,
    workspace: string,
  ): Promise<void> {
    const telemetry = exchange.telemetry!;
    const estimate = estimationRequest(parsed);
    telemetry.prompt = estimate;
    telemetry.requestedModel = parsed.body.model;
    telemetry.user = parsed.body.user ?? '';
    telemetry.streamed = parsed.stream;
    await admitGoverned(exchange, options.governance, { chat: estimate });
    const save = async (response: Record<string, unknown>): Promise<void> => {
      if (!parsed.store || responseStore === undefined || typeof response.id !== 'string' || !RESPONSE_ID.test(response.id)) return;
      const envelope = { id: response.id, createdAt: Number(response.created_at) || Math.floor(Date.now() / 1000), body: parsed.body, store: true };
      await responseStore.save(
        storedOf(envelope, parsed, workspace, response, Array.isArray(response.output) ? (response.output as ResponseItem[]) : []),
      );
    };
    if (!parsed.stream) {
      const { response, servedBy } = await executor.respond(plan, parsed.raw, execution.context, telemetry.attempted);
      observeNativeResponse(telemetry, response);
      exchange.setServedBy(servedBy);
      await save(response);
      exchange.sendJson(200, response);
      exchange.completed(servedBy);
      return;
    }
    const { events, servedBy } = await executor.streamRespond(plan, parsed.raw, execution.context, telemetry.attempted);
    // The provider has accepted the prompt: from here on it bills, whatever happens to the stream.
    telemetry.upstreamAccepted = true;
    exchange.setServedBy(servedBy);
    const { response } = exchange;
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    let firstChunk = true;
    let final: Record<string, unknown> | undefined;
    for await (const event of events) {
      if (response.destroyed) return;
      const data = parseEventData(event.data);
      if (data) {
        if (typeof data.type === 'string' && data.type.endsWith('.delta')) telemetry.firstToken();
        const finished = data.type === 'response.completed' || data.type === 'response.incomplete' || data.type === 'response.failed';
        if (finished && data.response !== null && typeof data.response === 'object') {
          final = data.response as Record<string, unknown>;
          observeNativeResponse(telemetry, final);
          // Stored before the event that ends the stream is sent: a client may chain on it as soon as it has it.
          if (data.type !== 'response.failed') await save(final);
        }
      }
      if (firstChunk) {
        firstChunk = false;
        metrics.firstChunk(servedBy.deployment.providerId, (performance.now() - exchange.arrived) / 1000);
      }
      const frame = `${event.event === undefined ? '' : `event: ${event.event}\n`}data: ${event.data}\n\n`;
      if (!response.write(frame)) await drained(response);
    }
    if (response.destroyed) return;
    response.end();
    exchange.completed(servedBy);
  }

  /** The items of the stored conversation `id` ends; a missing (deleted, other workspace's) one is a 404 naming the field. */
  async function conversationBefore(id: string, workspace: string): Promise<ResponseItem[]> {
    if (responseStore === undefined) {
      throw invalidRequest(
        "'previous_response_id' needs stored responses, and this gateway has no database for them (observability.postgresUrl).",
        'previous_response_id',
        'unsupported_parameter',
      );
    }
    const items = RESPONSE_ID.test(id) ? await responseStore.conversation(id, workspace) : undefined;
    if (items === undefined) {
      throw new GatewayError(`Previous response with id '${id}' not found.`, {
        status: 404,
        errorClass: 'not_found',
        param: 'previous_response_id',
        code: 'previous_response_not_found',
      });
    }
    return items;
  }

  async function writeEventStream(
    exchange: HttpExchange,
    parts: AsyncIterable<StreamPart>,
    writer: ResponseStreamWriter,
    answeredBy: string,
    save: (response: Record<string, unknown>, output: readonly ResponseItem[]) => Promise<void>,
  ): Promise<void> {
    const { response } = exchange;
    const telemetry = exchange.telemetry!;
    const iterator = parts[Symbol.asyncIterator]();
    // The first part (response-start) names the dropped parameters, for a header written before any byte.
    const first = await iterator.next();
    if (!first.done && first.value.type === 'response-start') setDroppedParamsHeader(response, first.value.droppedParams);
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    let firstChunk = true;
    const write = async (events: ResponseStreamEvent[]): Promise<void> => {
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
    const last = writer.end();
    // Stored before `response.completed` is sent: a client may chain on it as soon as it has it.
    await save(writer.final!, writer.items);
    response.end(last.map(serverSentEvent).join(''));
  }

  const serve: RouteHandler = (request, response) => {
    const exchange = new HttpExchange(request, response, 'responses', options);
    const writer: { current?: ResponseStreamWriter } = {};
    // A stream that breaks off ends with `response.failed` and `error`, numbered on from the events before.
    exchange.errorFormat = {
      body: (error, requestId) => OPENAI_ERROR_FORMAT.body(error, requestId),
      streamEvent: (error, requestId) => (writer.current ?? new ResponseStreamWriter(placeholderEnvelope())).fail(error, requestId),
    };
    const execution = executor.begin(exchange.context);
    create(exchange, execution, writer)
      .catch((error) => exchange.fail(execution.cancellation ?? error))
      .finally(() => execution.end());
  };

  return new Map([['POST /v1/responses', serve]]);
}

/**
 * `GET /v1/responses/{id}`, `DELETE /v1/responses/{id}` and
 * `GET /v1/responses/{id}/input_items`: stored responses of the workspaces
 * the caller may read (delete: act for); another workspace's is a 404.
 * Also, before the query API answers `DELETE /v1/users/{user}/data`, the
 * end user's stored responses go with the rest of their data (registered
 * ahead of that route, checked as it checks).
 */
export function createStoredResponseRoutes(responseStore: ResponseStore | undefined): Router {
  const router = Router();
  router.delete('/v1/users/:user/data', async (request: Request, response: Response, next: NextFunction) => {
    const { principal } = response.locals.exchange as HttpExchange;
    const user = String(request.params.user);
    const workspace = typeof request.query.workspace === 'string' ? request.query.workspace : undefined;
    // The checks of the route that answers: nothing is deleted for a caller it would refuse.
    if (responseStore !== undefined && user !== '' && (principal.role === 'owner' || principal.role === 'admin')) {
      authorizeWorkspaceFilter(principal, workspace);
      await responseStore.deleteUser(user, workspace === undefined ? principal.readableWorkspaces : [workspace]);
    } else if (principal.role !== 'owner' && principal.role !== 'admin') {
      throw permissionDenied("Deleting a user's data takes the owner or admin role.");
    }
    next();
  });

  const stored = async (request: Request, response: Response, write = false) => {
    const exchange = response.locals.exchange as HttpExchange;
    const id = String(request.params.id);
    const scope = write ? exchange.principal.actableWorkspaces : exchange.principal.readableWorkspaces;
    if (!RESPONSE_ID.test(id) || responseStore === undefined) throw responseNotFound(id);
    return { exchange, id, scope };
  };

  router.get('/v1/responses/:id', async (request: Request, response: Response) => {
    const { exchange, id, scope } = await stored(request, response);
    const found = await responseStore!.get(id, scope);
    if (!found) throw responseNotFound(id);
    exchange.sendJson(200, found.response);
    exchange.completed();
  });

  router.delete('/v1/responses/:id', async (request: Request, response: Response) => {
    const { exchange, id, scope } = await stored(request, response, true);
    if (!(await responseStore!.delete(id, scope))) throw responseNotFound(id);
    exchange.sendJson(200, { id, object: 'response', deleted: true });
    exchange.completed();
  });

  router.get('/v1/responses/:id/input_items', async (request: Request, response: Response) => {
    const { exchange, id, scope } = await stored(request, response);
    const found = await responseStore!.get(id, scope);
    if (!found) throw responseNotFound(id);
    const query = request.query;
    const limit = integerParam(query.limit, 'limit', 1, 100) ?? 20;
    const order = query.order === undefined ? 'desc' : query.order;
    if (order !== 'asc' && order !== 'desc') throw invalidRequest("'order' must be asc or desc.", 'order', 'invalid_value');
    let items = order === 'desc' ? [...found.inputItems].reverse() : [...found.inputItems];
    for (const name of ['after', 'before'] as const) {
      const cursor = query[name];
      if (cursor === undefined) continue;
      const index = items.findIndex((item) => item.id === cursor);
      if (typeof cursor !== 'string' || index === -1) throw invalidRequest(`'${name}' names no input item of this response.`, name, 'invalid_value');
      items = name === 'after' ? items.slice(index + 1) : items.slice(0, index);
    }
    const page = items.slice(0, limit);
    exchange.sendJson(200, {
      object: 'list',
      data: page,
      first_id: page[0]?.id ?? null,
      last_id: page[page.length - 1]?.id ?? null,
      has_more: items.length > page.length,
    });
    exchange.completed();
  });
  return router;
}

function storedOf(
  envelope: ResponseEnvelope,
  parsed: ParsedResponsesRequest,
  workspace: string,
  response: Record<string, unknown>,
  output: readonly ResponseItem[],
) {
  return {
    id: envelope.id,
    workspace,
    createdAt: new Date(envelope.createdAt * 1000),
    ...(parsed.body.previous_response_id != null && { previousResponseId: parsed.body.previous_response_id }),
    user: parsed.body.user ?? '',
    inputItems: parsed.inputItems,
    outputItems: [...output],
    response,
  };
}

function responseNotFound(id: string): GatewayError {
  return new GatewayError(`Response with id '${id}' not found.`, { status: 404, errorClass: 'not_found', param: 'id', code: 'response_not_found' });
}

function integerParam(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (!(number >= min && number <= max)) throw invalidRequest(`'${name}' must be an integer from ${min} to ${max}.`, name, 'invalid_value');
  return number;
}

/** A failure before any event: only the `error` event is written, and it needs no response of its own. */
function placeholderEnvelope(): ResponseEnvelope {
  return { id: '', createdAt: 0, body: { model: '', input: '' }, store: false };
}

/**
 * What rate limits, budgets and usage estimates read of a passed-through
 * body: its instructions and its input as text. Nothing is sent from it.
 */
function estimationRequest(parsed: ParsedResponsesRequest): ChatRequest {
  const { body } = parsed;
  const input = typeof body.input === 'string' ? body.input : JSON.stringify(body.input);
  return {
    model: body.model,
    messages: [
      ...(body.instructions != null && body.instructions !== '' ? [{ role: 'system' as const, content: body.instructions }] : []),
      { role: 'user', content: [{ type: 'text', text: input }] },
    ],
    sampling: body.max_output_tokens != null ? { maxTokens: body.max_output_tokens } : {},
    stream: parsed.stream,
    includeUsage: parsed.stream,
    ...(body.user != null && { user: body.user }),
  };
}

/** The served model, usage and how the turn ended, from an upstream's `Response`. */
function observeNativeResponse(telemetry: RequestTelemetry, response: Record<string, unknown>): void {
  if (typeof response.model === 'string') telemetry.servedModel = response.model;
  const usage = response.usage as
    | {
        input_tokens?: number;
        output_tokens?: number;
        input_tokens_details?: { cached_tokens?: number };
        output_tokens_details?: { reasoning_tokens?: number };
      }
    | null
    | undefined;
  if (usage && typeof usage.input_tokens === 'number' && typeof usage.output_tokens === 'number') {
    const cached = usage.input_tokens_details?.cached_tokens;
    const reasoning = usage.output_tokens_details?.reasoning_tokens;
    telemetry.usage = {
      inputTokens: usage.input_tokens,
      outputTokens: usage.output_tokens,
      ...(typeof cached === 'number' && { cachedInputTokens: cached }),
      ...(typeof reasoning === 'number' && { reasoningTokens: reasoning }),
    };
  }
  const incomplete = response.incomplete_details as { reason?: string } | null | undefined;
  if (response.status === 'incomplete') telemetry.finishReason = incomplete?.reason === 'content_filter' ? 'content_filter' : 'length';
  else if (response.status === 'completed') {
    const output = Array.isArray(response.output) ? (response.output as { type?: string }[]) : [];
    telemetry.finishReason = output.some((item) => item.type === 'function_call') ? 'tool_calls' : 'stop';
  }
}

/** An event's JSON, or undefined when it is none (the stream is still passed on as it came). */
function parseEventData(data: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(data);
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
