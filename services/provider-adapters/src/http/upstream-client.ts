import { Agent, type Dispatcher } from 'undici';
import { providerTimeout, providerUnreachable, requestCancelled } from '@switchyard/shared';

export interface UpstreamRequest {
  providerId: string;
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
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
  /** The deadline of each request, so a body read that outlives it is recognised as a timeout. */
  private readonly deadlines = new WeakMap<UpstreamRequest, AbortSignal>();

  constructor(options: { connectionsPerOrigin?: number } = {}) {
    this.agent = new Agent({
      connections: options.connectionsPerOrigin ?? 128,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      // Deadlines are enforced by the signal below, per request.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }

  async request(request: UpstreamRequest): Promise<UpstreamResponse> {
    const deadline = AbortSignal.timeout(request.timeoutMs);
    this.deadlines.set(request, deadline);
    const signal = AbortSignal.any([request.signal, deadline]);
    try {
      const response = await this.agent.request({
        origin: new URL(request.url).origin,
        path: pathOf(request.url),
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal,
      });
      return { status: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      throw this.translate(error, request, deadline);
    }
  }

  /** Turns an error thrown while reading a response body into a gateway error. */
  translate(error: unknown, request: UpstreamRequest, deadline = this.deadlines.get(request)): Error {
    if (request.signal.aborted) return requestCancelled();
    if (deadline?.aborted || isTimeout(error)) return providerTimeout(request.providerId, request.timeoutMs);
    return providerUnreachable(request.providerId, error);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function pathOf(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
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
