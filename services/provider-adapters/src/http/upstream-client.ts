import { Agent, type Dispatcher } from 'undici';
import { providerTimeout, providerUnreachable, requestCancelled } from '@switchyard/shared';

export interface UpstreamRequest {
  providerId: string;
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  /** JSON text, or bytes for binary protocols. */
  body?: string | Uint8Array;
  /** The caller's signal: aborted when the client goes away. */
  signal: AbortSignal;
  timeoutMs: number;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

/**
 * HTTP to providers over keep-alive connection pools (one per origin). The
 * body is handed back as a stream, so responses pass through chunk by chunk.
 * Failures become `ProviderError`s: a timeout, an unreachable host, or a
 * request the client abandoned.
 */
export class UpstreamClient {
  private readonly agent: Agent;
  /** Whether each request's deadline has passed, so a body read that outlives it is recognised as a timeout. */
  private readonly deadlines = new WeakMap<UpstreamRequest, { expired: boolean }>();

  constructor(options: { connectionsPerOrigin?: number } = {}) {
    this.agent = new Agent({
      connections: options.connectionsPerOrigin ?? 128,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      // Deadlines are enforced per request, below.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }

  /**
   * Sends the request. The deadline covers the whole exchange, body included:
   * one timer and one abort listener per request, both released when the
   * body closes (AbortSignal.any and AbortSignal.timeout cost far more on the
   * hot path).
   */
  async request(request: UpstreamRequest): Promise<UpstreamResponse> {
    const deadline = { expired: false };
    this.deadlines.set(request, deadline);
    const controller = new AbortController();
    const abort = () => controller.abort();
    const timer = setTimeout(() => {
      deadline.expired = true;
      controller.abort();
    }, request.timeoutMs);
    if (request.signal.aborted) controller.abort();
    else request.signal.addEventListener('abort', abort, { once: true });
    const release = () => {
      clearTimeout(timer);
      request.signal.removeEventListener('abort', abort);
    };
    const { origin, path } = target(request.url);
    try {
      const response = await this.agent.request({
        origin,
        path,
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: controller.signal,
      });
      response.body.once('close', release);
      return { status: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      release();
      throw this.translate(error, request);
    }
  }

  /**
   * Sends the request and hands back a 2xx response; any other status has its
   * body read and becomes the error `errorFor` makes of it (each provider
   * reads its own error format).
   */
  async send(
    request: UpstreamRequest,
    errorFor: (status: number, headers: UpstreamResponse['headers'], bodyText: string) => Error,
  ): Promise<UpstreamResponse> {
    const response = await this.request(request);
    if (response.status >= 200 && response.status < 300) return response;
    let bodyText: string;
    try {
      bodyText = await readBodyText(response.body);
    } catch (error) {
      throw this.translate(error, request);
    }
    throw errorFor(response.status, response.headers, bodyText);
  }

  /** Reads a whole response body as text; a failed read becomes a gateway error. */
  async readText(response: UpstreamResponse, request: UpstreamRequest): Promise<string> {
    try {
      return await readBodyText(response.body, Number.POSITIVE_INFINITY);
    } catch (error) {
      throw this.translate(error, request);
    }
  }

  /** Turns an error thrown while reading a response body into a gateway error. */
  translate(error: unknown, request: UpstreamRequest): Error {
    if (request.signal.aborted) return requestCancelled();
    if (this.deadlines.get(request)?.expired || isTimeout(error)) return providerTimeout(request.providerId, request.timeoutMs);
    return providerUnreachable(request.providerId, error);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** Provider URLs come from config, so there are few: each is parsed once. */
const targets = new Map<string, { origin: string; path: string }>();

function target(url: string): { origin: string; path: string } {
  let parsed = targets.get(url);
  if (!parsed) {
    const { origin, pathname, search } = new URL(url);
    parsed = { origin, path: pathname + search };
    if (targets.size < 1024) targets.set(url, parsed);
  }
  return parsed;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || (error as { code?: string }).code === 'UND_ERR_HEADERS_TIMEOUT');
}

/** Reads a whole error body as text, at most `limit` bytes. */
export async function readBodyText(body: AsyncIterable<Uint8Array>, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < limit) chunks.push(Buffer.from(chunk));
    size += chunk.length;
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, limit);
}
