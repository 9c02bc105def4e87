/**
 * The least a Node.js proxy can do for a chat completion, measured next to
 * the gateway so the report shows what this machine costs before any gateway
 * logic: `node:http` in, one undici request out (same pool settings as the
 * gateway's upstream client), the JSON parsed and written again, streams
 * passed through byte for byte. No routing, validation, logging or metrics.
 *
 * Run as a process of its own (`gateway-processes.ts` starts it).
 * Environment: `UPSTREAM_ORIGIN` (http://host:port), `PORT`.
 */

import http from 'node:http';
import { Agent } from 'undici';

const upstreamOrigin = process.env.UPSTREAM_ORIGIN;
const agent = new Agent({ connections: 128, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 });

function fail(response: http.ServerResponse, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  if (response.headersSent) {
    response.destroy(error instanceof Error ? error : new Error(message));
    return;
  }
  const body = JSON.stringify({ error: { message, type: 'proxy_error' } });
  response.writeHead(502, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
  response.end(body);
}

async function forward(rawBody: string, response: http.ServerResponse): Promise<void> {
  const chatRequest = JSON.parse(rawBody) as { stream?: boolean };
  const upstream = await agent.request({
    origin: upstreamOrigin,
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(chatRequest),
  });
  if (chatRequest.stream === true && upstream.statusCode === 200) {
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    for await (const chunk of upstream.body) response.write(chunk);
    response.end();
    return;
  }
  const text = JSON.stringify(await upstream.body.json());
  response.writeHead(upstream.statusCode, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  response.end(text);
}

const server = http.createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
  if (request.method === 'GET' && request.url === '/readyz') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"status":"ready"}');
    return;
  }
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    forward(Buffer.concat(chunks).toString('utf8'), response).catch((error: unknown) => fail(response, error));
  });
});

server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
