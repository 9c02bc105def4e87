/**
 * A minimal OpenAI upstream, run as a child process of the benchmark. Every
 * chat completion is answered at once with the same recorded response:
 *
 * - non-streaming: the bytes of `openai-text.json`, in one write with a
 *   content-length;
 * - streaming: the 34 recorded `data:` events, one `write` per event with no
 *   delay between them (chunked encoding). The kernel may coalesce them, so
 *   the gateway sees the stream in one or a few reads, as it would from a
 *   fast provider on a local network.
 *
 * The request body is parsed and must carry a `model` and `messages`, so a
 * gateway that sends something malformed gets a 400, which the load generator
 * counts as an error. When listening, the process sends `{ type: 'listening',
 * port }` to its parent over IPC. `startMockUpstream` of
 * `gateway-processes.ts` forks it (this module is only ever a child's main).
 */

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CHAT_COMPLETIONS_PATH, readCompletionBody, readStreamEvents } from './fixtures';

export interface ListeningMessage {
  type: 'listening';
  port: number;
}

function reject(response: http.ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code: null } });
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
  response.end(body);
}

function serve(): void {
  const completionBody = readCompletionBody();
  const completionHeaders = {
    'content-type': 'application/json',
    'content-length': String(completionBody.length),
    'openai-processing-ms': '1',
  };
  const streamEvents = readStreamEvents().map((event) => Buffer.from(event, 'utf8'));
  const streamHeaders = {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
  };

  const answer = (response: http.ServerResponse, rawBody: Buffer): void => {
    let body: { model?: unknown; messages?: unknown; stream?: unknown } | null;
    try {
      body = JSON.parse(rawBody.toString('utf8')) as typeof body;
    } catch {
      reject(response, 400, 'request body is not JSON');
      return;
    }
    if (body === null || typeof body.model !== 'string' || !Array.isArray(body.messages) || body.messages.length === 0) {
      reject(response, 400, 'a chat completion needs a model and messages');
      return;
    }
    if (body.stream === true) {
      response.writeHead(200, streamHeaders);
      for (const event of streamEvents) response.write(event);
      response.end();
      return;
    }
    response.writeHead(200, completionHeaders);
    response.end(completionBody);
  };

  const server = http.createServer({ keepAliveTimeout: 120_000, requestTimeout: 0 }, (request, response) => {
    if (request.method !== 'POST' || request.url !== CHAT_COMPLETIONS_PATH) {
      request.resume();
      reject(response, 404, `unknown route ${request.method} ${request.url}`);
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => answer(response, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
  });
  server.headersTimeout = 60_000;

  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    const listening: ListeningMessage = { type: 'listening', port };
    if (process.send) process.send(listening);
    else process.stdout.write(`mock upstream listening on http://127.0.0.1:${port}/v1\n`);
  });

  // The parent going away (normally or not) ends this process.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}

serve();
