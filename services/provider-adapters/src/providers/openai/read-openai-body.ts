import { isGatewayError, providerBadResponse, type StreamPart } from '@switchyard/shared';
import type { z } from 'zod';
import { ServerSentEventDecoder } from '../../http/sse-parser';
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from '../../http/upstream-client';
import { openAIInBandError, readOpenAIError } from './openai-error';
import { OpenAIStreamState, type OpenAIStreamOptions } from './openai-stream';

/**
 * Reads a whole 2xx JSON body of an OpenAI-format server and checks it against
 * `schema`; an error object in a 2xx body is thrown as the provider's error.
 * Shared by every adapter that speaks OpenAI's wire format (OpenAI and its
 * presets, Azure).
 */
export async function readOpenAIJson<T>(
  http: UpstreamClient,
  providerId: string,
  request: UpstreamRequest,
  response: UpstreamResponse,
  schema: z.ZodType<T>,
): Promise<T> {
  const text = await http.readText(response, request);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw providerBadResponse(providerId, `body is not JSON: ${text.slice(0, 200)}`);
  }
  if ((json as { error?: unknown } | null)?.error != null) {
    const fields = readOpenAIError(json);
    if (fields) throw openAIInBandError(providerId, fields);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw providerBadResponse(providerId, `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * The parts of an OpenAI-format SSE body as the events arrive, in one async
 * step per part (decoder and state machine are synchronous). A consumer that
 * stops early, or a failed event, releases the connection.
 */
export async function* openAIStreamParts(
  http: UpstreamClient,
  request: UpstreamRequest,
  response: UpstreamResponse,
  options: OpenAIStreamOptions,
): AsyncGenerator<StreamPart> {
  const decoder = new ServerSentEventDecoder();
  const state = new OpenAIStreamState(options);
  let drained = false;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      for (const event of decoder.push(chunk)) yield* state.push(event);
    }
    drained = true;
    for (const event of decoder.end()) yield* state.push(event);
    yield* state.finish();
  } catch (error) {
    throw isGatewayError(error) ? error : http.translate(error, request);
  } finally {
    if (!drained) response.body.destroy();
  }
}
