import type { ChatRequest, ChatResponse, PluginAnswer, ResponseOutcome, StreamPart } from '@switchyard/shared';
import { authorizeModel } from '../auth/authorize-request';
import type { PluginRun } from '../plugins/plugin-run';
import { streamPartsOf } from '../plugins/stream-parts-of';
import type { DeploymentServedBy, Execution, RequestExecutor } from '../pipeline/request-executor';
import { routingOf } from './execution-headers';
import type { HttpExchange } from './http-exchange';
import { headerSafeValue } from './response-headers';

/** How one wire format (OpenAI's, Anthropic's) writes a chat answer. */
export interface ChatWire {
  /** Sends a whole answer, with its dropped-parameters header (after storing it, where the wire keeps state). */
  send(response: ChatResponse): void | Promise<void>;
  /** Writes a stream; `answeredBy` is the provider or `plugin:<name>` (time-to-first-chunk metric). */
  stream(parts: AsyncIterable<StreamPart>, answeredBy: string, request: ChatRequest): Promise<void>;
}

/**
 * A parsed, admitted chat request from plugins to the client, the same for
 * every wire format: the plugins' `beforeRequest` (which may answer,
 * reject or rewrite), the executor, then the response hooks on the way out.
 */
export async function serveChat(
  exchange: HttpExchange,
  execution: Execution,
  executor: RequestExecutor,
  chatRequest: ChatRequest,
  wire: ChatWire,
): Promise<void> {
  const telemetry = exchange.telemetry!;
  const plugins = beginPluginRun(exchange, chatRequest);
  try {
    const answer = await plugins?.before();
    if (plugins && answer) {
      const reply = await pluginReply(exchange, plugins, answer, chatRequest.stream);
      if (reply.parts) await wire.stream(reply.parts, `plugin:${answer.servedBy.plugin}`, chatRequest);
      else await wire.send(reply.response);
      exchange.completed(answer.servedBy);
      return;
    }
    const request = plugins?.request ?? chatRequest;
    // A plugin that rewrote the model (semantic routing) may not take the key past its model scopes.
    if (request.model !== chatRequest.model) authorizeModel(exchange.principal, request.model);
    if (!request.stream) {
      const { response: answered, servedBy } = await executor.complete(request, execution.context, telemetry.attempted, routingOf(exchange));
      const response = plugins ? await plugins.after(answered, providerOutcome(servedBy)) : answered;
      telemetry.servedModel = response.model;
      telemetry.usage = response.usage;
      telemetry.finishReason = response.choices[0]?.finishReason;
      exchange.setServedBy(servedBy);
      await wire.send(response);
      exchange.completed(servedBy);
      return;
    }
    const { parts, servedBy } = await executor.stream(request, execution.context, telemetry.attempted, routingOf(exchange));
    // The provider has accepted the prompt: from here on it bills, whatever happens to the stream.
    telemetry.upstreamAccepted = true;
    exchange.setServedBy(servedBy);
    await wire.stream(plugins ? plugins.stream(parts, providerOutcome(servedBy)) : parts, servedBy.deployment.providerId, request);
    exchange.completed(servedBy);
  } finally {
    plugins?.finish();
  }
}

/**
 * Starts the plugin run of a chat request, or returns undefined when no
 * plugin applies to it. The run's annotations are the ones the request
 * record gets, however the request ends.
 */
export function beginPluginRun(exchange: HttpExchange, request: ChatRequest): PluginRun | undefined {
  const pipeline = exchange.plugins;
  const telemetry = exchange.telemetry;
  if (!pipeline || !telemetry) return undefined;
  const { response } = exchange;
  const run = pipeline.begin(
    {
      requestId: exchange.requestId,
      workspace: telemetry.attribution?.workspace ?? exchange.principal.workspace,
      principal: exchange.principal,
      headers: exchange.request.headers,
      request,
      signal: exchange.context.signal,
      setHeader: (name, value) => {
        if (!response.headersSent) response.setHeader(name, headerSafeValue(value));
      },
    },
    // The route a request's list is chosen by: the model or alias the client asked for.
    request.model,
  );
  if (run) telemetry.annotations = run.annotations;
  return run;
}

/** The outcome plugins' response hooks are told of when a deployment answered. */
export function providerOutcome(servedBy: DeploymentServedBy): ResponseOutcome {
  return { source: 'provider', providerId: servedBy.deployment.providerId, model: servedBy.deployment.model, routePath: servedBy.routePath };
}

/**
 * A plugin's answer for the request record and headers, ready to be sent:
 * the response the earlier plugins' `afterResponse` left (not streamed), or
 * its replay as stream parts through their `onStreamPart` (streamed).
 */
export async function pluginReply(
  exchange: HttpExchange,
  run: PluginRun,
  answer: PluginAnswer,
  streamed: boolean,
): Promise<{ response: ChatResponse; parts?: undefined } | { response?: undefined; parts: AsyncIterable<StreamPart> }> {
  const telemetry = exchange.telemetry!;
  const outcome: ResponseOutcome = { source: 'plugin', servedBy: answer.servedBy };
  telemetry.answeredBy = answer.servedBy;
  exchange.metrics.pluginAnswered(answer.servedBy.plugin, answer.servedBy.detail);
  exchange.setServedBy(answer.servedBy);
  if (streamed) return { parts: run.stream(replay(streamPartsOf(answer.response)), outcome) };
  const response = await run.after(answer.response, outcome);
  telemetry.servedModel = response.model;
  telemetry.usage = response.usage;
  telemetry.finishReason = response.choices[0]?.finishReason;
  return { response };
}

async function* replay(parts: readonly StreamPart[]): AsyncGenerator<StreamPart> {
  yield* parts;
}
