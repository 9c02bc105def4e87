import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/**
 * A real HTTP server on 127.0.0.1 that answers `POST /v1/messages` the way
 * Anthropic does, replaying recorded responses from
 * `../shared/fixtures/provider-responses` (beside the repository root).
 */

const PROVIDER_RESPONSES = path.resolve(__dirname, '../..', '../shared/fixtures/provider-responses');

/** Raw SSE recordings with `event:` lines, from anthropic-sdk-python. */
export const ANTHROPIC_SDK_STREAMS = 'anthropic-sdk-python/tests/lib/streaming/fixtures';
/** vercel/ai recordings: `*.chunks.txt` (one event's JSON a line) and `*.json` (whole responses). */
export const VERCEL_ANTHROPIC_FIXTURES = 'vercel-ai/packages/anthropic/src/__fixtures__';

/** The absolute path of a recorded provider response, given relative to `provider-responses/`. */
export function anthropicFixture(relativePath: string): string {
  return path.join(PROVIDER_RESPONSES, relativePath);
}

export type MockAnthropicBehaviour =
  | {
      kind: 'stream-fixture';
      /** Absolute path. `*.chunks.txt` lines are framed as `event: <type>\ndata: <json>\n\n`; other files are sent byte for byte. */
      file: string;
      /** Send only the first this many events. */
      eventLimit?: number;
      /** Raw text sent after the replayed events, e.g. an `event: error` frame. */
      append?: string;
      /** Destroy the socket instead of ending the response. */
      abort?: boolean;
      /** Pause between events. */
      eventDelayMs?: number;
    }
  | { kind: 'json-fixture'; file: string; status?: number }
  | { kind: 'error'; status: number; body: unknown; headers?: Record<string, string> };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: any;
}

export interface MockAnthropicUpstream {
  /** Ends in `/v1`, like Anthropic's. */
  baseUrl: string;
  requests: RecordedRequest[];
  /** The answer to the next request; requests are answered in the order behaviours were enqueued. */
  enqueue(behaviour: MockAnthropicBehaviour): void;
  close(): Promise<void>;
}

export async function startMockAnthropicUpstream(): Promise<MockAnthropicUpstream> {
  const requests: RecordedRequest[] = [];
  const behaviours: MockAnthropicBehaviour[] = [];

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: parseJson(text) });
      if (request.method !== 'POST' || request.url !== '/v1/messages') {
        sendJson(response, 404, { type: 'error', error: { type: 'not_found_error', message: `mock: no route ${request.method} ${request.url}` } });
        return;
      }
      const behaviour = behaviours.shift();
      if (!behaviour) {
        sendJson(response, 500, { type: 'error', error: { type: 'api_error', message: 'mock: no behaviour enqueued' } });
        return;
      }
      answer(response, behaviour).catch((error: unknown) => response.destroy(error as Error));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    enqueue: (behaviour) => behaviours.push(behaviour),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

async function answer(response: ServerResponse, behaviour: MockAnthropicBehaviour): Promise<void> {
  const requestId = `req_mock_${Date.now()}`;
  switch (behaviour.kind) {
    case 'error': {
      const body = typeof behaviour.body === 'string' ? behaviour.body : JSON.stringify(behaviour.body);
      response.writeHead(behaviour.status, { 'content-type': 'application/json', 'request-id': requestId, ...behaviour.headers });
      response.end(body);
      return;
    }
    case 'json-fixture':
      response.writeHead(behaviour.status ?? 200, { 'content-type': 'application/json', 'request-id': requestId });
      response.end(readFileSync(behaviour.file));
      return;
    case 'stream-fixture': {
      const events = sseEvents(behaviour.file);
      const sent = behaviour.eventLimit === undefined ? events : events.slice(0, behaviour.eventLimit);
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'request-id': requestId,
      });
      response.flushHeaders();
      for (const event of sent) {
        if (behaviour.eventDelayMs) await delay(behaviour.eventDelayMs);
        response.write(event);
      }
      if (behaviour.append !== undefined) response.write(behaviour.append);
      if (behaviour.abort) response.destroy();
      else response.end();
      return;
    }
  }
}

/** The file as SSE frames: a raw recording split after each blank line (bytes kept), or framed JSON lines. */
function sseEvents(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  if (!file.endsWith('.chunks.txt')) return text.split(/(?<=\n\n)/);
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
