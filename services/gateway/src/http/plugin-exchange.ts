import type { ChatRequest, ChatResponse, PluginAnswer, ResponseOutcome, StreamPart } from '@switchyard/shared';
import type { PluginRun } from '../plugins/plugin-run';
import { streamPartsOf } from '../plugins/stream-parts-of';
import type { DeploymentServedBy } from '../pipeline/request-executor';
import type { HttpExchange } from './http-exchange';
import { headerSafeValue } from './response-headers';

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
