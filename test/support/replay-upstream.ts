import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on 127.0.0.1 for any provider's wire format: it records
 * each request (headers and raw body) and answers with whatever the test
 * queued, typically a recorded real response from `../shared/fixtures`.
 * Provider-specific framing (SSE, AWS event streams) is the test's to build;
 * this server sends the bytes it is given, in the chunks it is given.
 */

export interface ReplayedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
}

export interface ReplayAnswer {
  status?: number;
  headers?: Record<string, string>;
  /** Sent as one chunk, or chunk by chunk (each one written separately, as a stream arrives). */
  body: string | Buffer | (string | Buffer)[];
  /** Destroy the socket after the body instead of ending the response (a stream cut mid-way). */
  abort?: boolean;
}

export type ReplayBehaviour = ReplayAnswer | ((request: ReplayedRequest) => ReplayAnswer);

export interface ReplayUpstream {
  /** `http://127.0.0.1:<port>`, without a path. */
  origin: string;
  requests: ReplayedRequest[];
  /** The answer to the next request; requests are answered in the order behaviours were queued. */
  enqueue(behaviour: ReplayBehaviour): void;
  /** The answer to every request that finds the queue empty; without one, such a request gets a 500. */
  setDefault(behaviour: ReplayBehaviour | undefined): void;
  close(): Promise<void>;
}

export async function startReplayUpstream(): Promise<ReplayUpstream> {
  const requests: ReplayedRequest[] = [];
  const queue: ReplayBehaviour[] = [];
  let fallback: ReplayBehaviour | undefined;

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const recorded: ReplayedRequest = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body,
        json: parseJson(body),
      };
      requests.push(recorded);
      const behaviour = queue.shift() ?? fallback;
      if (!behaviour) {
        response.writeHead(500, { 'content-type': 'text/plain' }).end('replay upstream: no answer queued');
        return;
      }
      send(response, typeof behaviour === 'function' ? behaviour(recorded) : behaviour);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (behaviour) => queue.push(behaviour),
    setDefault: (behaviour) => {
      fallback = behaviour;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(response: ServerResponse, answer: ReplayAnswer): void {
  response.writeHead(answer.status ?? 200, answer.headers ?? { 'content-type': 'application/json' });
  const parts = Array.isArray(answer.body) ? answer.body : [answer.body];
  for (const part of parts) response.write(part);
  if (answer.abort) response.destroy();
  else response.end();
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
