import { isGatewayError, providerBadResponse, type NativeStreamEvent } from '@switchyard/shared';
import { ServerSentEventDecoder } from '../../http/sse-parser';
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from '../../http/upstream-client';

/**
 * The Responses API passed through: a whole `Response` read as JSON (a
 * failed one stays as the upstream wrote it, for the client to read), and a
 * stream's events as they arrive, unchanged. Only what is not the API at
 * all (a body that is no JSON object) is the upstream's fault.
 */
export async function readResponsesJson(
  http: UpstreamClient,
  providerId: string,
  request: UpstreamRequest,
  response: UpstreamResponse,
): Promise<Record<string, unknown>> {
  const text = await http.readText(response, request);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw providerBadResponse(providerId, `body is not JSON: ${text.slice(0, 200)}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw providerBadResponse(providerId, 'body is not a JSON object');
  return json as Record<string, unknown>;
}

/** The upstream's server-sent events one by one; a consumer that stops early releases the connection. */
export async function* responsesStreamEvents(
  http: UpstreamClient,
  providerId: string,
  request: UpstreamRequest,
  response: UpstreamResponse,
): AsyncGenerator<NativeStreamEvent> {
  const decoder = new ServerSentEventDecoder();
  let drained = false;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) yield* decoder.push(chunk);
    drained = true;
    yield* decoder.end();
  } catch (error) {
    throw isGatewayError(error) ? error : http.translate(error, request);
  } finally {
    if (!drained) response.body.destroy();
  }
}
