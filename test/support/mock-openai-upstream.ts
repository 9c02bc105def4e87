import { readFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fixturePath } from './fixtures';

/**
 * A real HTTP server that answers like api.openai.com by replaying recorded
 * provider bodies byte for byte: Chat Completions (whole and streamed),
 * Embeddings and the model list, with OpenAI's own error bodies. Tests queue
 * a behaviour per request, or get a recorded default.
 */

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/chat/completions`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  body: any;
}

export type MockBehaviour =
  /** A recorded stream: a raw SSE body (`.bin`, `.sse`) sent event by event, or vercel `*.chunks.txt` framed as `data:` events plus `data: [DONE]`. */
  | { kind: 'stream-fixture'; file: string; chunkDelayMs?: number }
  | { kind: 'json-fixture'; file: string; status?: number }
  | { kind: 'error'; status: number; body: unknown; headers?: Record<string, string> }
  /** Accepts the request and never answers. */
  | { kind: 'hang' }
  /** Sends the first `events` events of a recorded stream, then holds the response open until the client goes away. */
  | { kind: 'stream-then-hang'; file: string; events: number }
  | { kind: 'slow-stream'; file: string; chunkDelayMs: number };

export interface MockOpenAIUpstream {
  /** `http://127.0.0.1:PORT/v1` */
  baseUrl: string;
  /** In arrival order. */
  readonly requests: RecordedRequest[];
  /** Responses whose client closed the connection before the response ended. */
  readonly abortedRequests: number;
  /** Requests that arrived and whose response has not closed yet (answered, or its client gone). */
  readonly openRequests: number;
  /** Resolves once `count` requests have arrived since the last reset. */
  whenArrived(count: number): Promise<void>;
  /** Resolves once no request is open; rejects after `timeoutMs`, saying how many still are. */
  whenNoneOpen(timeoutMs: number): Promise<void>;
  /** FIFO; one behaviour is used per chat or embeddings request. */
  enqueue(behaviour: MockBehaviour): void;
  /** Clears requests, queue and counters. */
  reset(): void;
  close(): Promise<void>;
}

const OPENAI_PYTHON_RECORDINGS = 'openai-python/.inline-snapshot/external';

/** Recorded defaults, used when the queue is empty. */
export const DEFAULT_FIXTURES = {
  chat: 'vercel-ai/packages/openai/src/chat/__fixtures__/openai-text.json',
  /** xAI through vercel's openai-compatible package: the only recorded whole tool-call response in OpenAI's format. */
  chatWithTools: 'vercel-ai/packages/openai-compatible/src/chat/__fixtures__/xai-tool-call.json',
  /** Text, ending with a usage chunk and `[DONE]`. */
  stream: 'e2aad469b71d1d4894ff833ea147020a9d875eb7ce644a0ff355581690a4cbfd.bin',
  /** A `get_weather` tool call, ending with a usage chunk and `[DONE]`. */
  streamWithTools: '2018feb66ae13fcf5333d61b95849decc68d3f63bd38172889367e1afb1e04f7.bin',
} as const;

/** Models listed by `GET /v1/models`: those the recordings were made with. */
const LISTED_MODELS = ['gpt-4o-2024-08-06', 'gpt-4.1-nano-2025-04-14', 'gpt-5-nano-2025-08-07', 'text-embedding-3-small'];

const EMBEDDING_DIMENSIONS = 256;

/**
 * The absolute path of a recorded provider response: `relativePath` is under
 * `shared/fixtures/provider-responses/`; a bare openai-python recording name
 * (`<sha256>.bin`) is found in its folder; an absolute path stays as it is.
 */
export function openAIFixture(relativePath: string): string {
  if (path.isAbsolute(relativePath)) return relativePath;
  if (/^[0-9a-f]{64}\.bin$/.test(relativePath)) return fixturePath('provider-responses', OPENAI_PYTHON_RECORDINGS, relativePath);
  return fixturePath('provider-responses', relativePath);
}

export async function startMockOpenAIUpstream(): Promise<MockOpenAIUpstream> {
  const requests: RecordedRequest[] = [];
  const queue: MockBehaviour[] = [];
  let abortedRequests = 0;
  let openRequests = 0;
  // Checked after every arrival and every close, by the tests waiting on either.
  const changes = new EventEmitter();
  changes.setMaxListeners(0);
  // Bumped by reset(), so a connection of an earlier test that closes late is not counted.
  let generation = 0;

  const server = createServer((request, response) => {
    const arrivedIn = generation;
    openRequests++;
    response.on('close', () => {
      openRequests--;
      if (!response.writableFinished && arrivedIn === generation) abortedRequests++;
      changes.emit('change');
    });
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, openAIErrorBody(String(error), 'server_error', null, null));
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const text = await readText(request);
    let body: any = text === '' ? undefined : text;
    try {
      body = JSON.parse(text);
    } catch {
      // Kept as text.
    }
    const url = request.url ?? '/';
    requests.push({ method: request.method ?? 'GET', path: url, headers: request.headers, body });
    changes.emit('change');

    const route = `${request.method} ${url.split('?')[0]}`;
    if (route === 'GET /v1/models') {
      sendJson(response, 200, {
        object: 'list',
        data: LISTED_MODELS.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'system' })),
      });
      return;
    }
    if (route !== 'POST /v1/chat/completions' && route !== 'POST /v1/embeddings') {
      sendJson(response, 404, openAIErrorBody(`Invalid URL (${request.method} ${url})`, 'invalid_request_error', null, null));
      return;
    }
    if (body?.model === 'does-not-exist') {
      const message = 'The model `does-not-exist` does not exist or you do not have access to it.';
      sendJson(response, 404, openAIErrorBody(message, 'invalid_request_error', null, 'model_not_found'));
      return;
    }
    const behaviour = queue.shift();
    if (behaviour) return play(behaviour, response);
    if (route === 'POST /v1/embeddings') {
      sendJson(response, 200, embeddingsFor(body));
      return;
    }
    const withTools = Array.isArray(body?.tools) && body.tools.length > 0;
    if (body?.stream === true) {
      return play({ kind: 'stream-fixture', file: withTools ? DEFAULT_FIXTURES.streamWithTools : DEFAULT_FIXTURES.stream }, response);
    }
    return play({ kind: 'json-fixture', file: withTools ? DEFAULT_FIXTURES.chatWithTools : DEFAULT_FIXTURES.chat }, response);
  }

  /** Resolves when `holds` after some change; rejects with `describe()` once `timeoutMs` has passed, if given. */
  function until(holds: () => boolean, timeoutMs?: number, describe?: () => string): Promise<void> {
    if (holds()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!holds()) return;
        clearTimeout(timer);
        changes.off('change', check);
        resolve();
      };
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              changes.off('change', check);
              reject(new Error(describe?.() ?? `not within ${timeoutMs} ms`));
            }, timeoutMs);
      changes.on('change', check);
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    get abortedRequests() {
      return abortedRequests;
    },
    get openRequests() {
      return openRequests;
    },
    whenArrived(count) {
      return until(() => requests.length >= count);
    },
    whenNoneOpen(timeoutMs) {
      return until(
        () => openRequests === 0,
        timeoutMs,
        () => `${openRequests} upstream request(s) still open after ${timeoutMs} ms`,
      );
    },
    enqueue(behaviour) {
      queue.push(behaviour);
    },
    reset() {
      requests.length = 0;
      queue.length = 0;
      abortedRequests = 0;
      generation++;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Ends keep-alive connections and requests left hanging.
        server.closeAllConnections();
      });
    },
  };
}

async function play(behaviour: MockBehaviour, response: ServerResponse): Promise<void> {
  switch (behaviour.kind) {
    case 'stream-fixture':
    case 'slow-stream':
      return sendEvents(response, sseEventsOf(behaviour.file), behaviour.chunkDelayMs ?? 0);
    case 'json-fixture':
      response.writeHead(behaviour.status ?? 200, { 'content-type': 'application/json' });
      response.end(readFixture(behaviour.file));
      return;
    case 'error': {
      const text = typeof behaviour.body === 'string' ? behaviour.body : JSON.stringify(behaviour.body);
      response.writeHead(behaviour.status, { 'content-type': 'application/json', ...behaviour.headers });
      response.end(text);
      return;
    }
    case 'hang':
      return;
    case 'stream-then-hang': {
      response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      for (const event of sseEventsOf(behaviour.file).slice(0, behaviour.events)) response.write(event);
      return;
    }
  }
}

/** Writes events one by one, waiting `delayMs` between them, and stops when the client goes away. */
async function sendEvents(response: ServerResponse, events: string[], delayMs: number): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  response.flushHeaders();
  for (let index = 0; index < events.length; index++) {
    if (index > 0 && delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (response.destroyed) return;
    if (!response.write(events[index])) {
      await new Promise<void>((resolve) => {
        response.once('drain', resolve);
        response.once('close', resolve);
      });
    }
  }
  if (!response.destroyed) response.end();
}

const fileCache = new Map<string, Buffer>();

function readFixture(file: string): Buffer {
  const absolute = openAIFixture(file);
  let bytes = fileCache.get(absolute);
  if (!bytes) {
    bytes = readFileSync(absolute);
    fileCache.set(absolute, bytes);
  }
  return bytes;
}

/** The events of a recorded stream, each with its own line ends, exactly as recorded. */
function sseEventsOf(file: string): string[] {
  const text = readFixture(file).toString('utf8');
  if (file.endsWith('.chunks.txt')) {
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    return [...lines.map((line) => `data: ${line}\n\n`), 'data: [DONE]\n\n'];
  }
  return text.match(/[\s\S]*?(?:\r\n\r\n|\n\n|\r\r|$)/g)!.filter((event) => event !== '');
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function openAIErrorBody(message: string, type: string, param: string | null, code: string | null) {
  return { error: { message, type, param, code } };
}

async function readText(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * OpenAI's embeddings answer, with vectors made up from the input (there is
 * no recorded embeddings response): words are hashed into the dimensions
 * (feature hashing) and the vector is normalised, so the same text always
 * gets the same vector and texts that share words point in similar directions.
 */
function embeddingsFor(body: any) {
  const raw = body?.input;
  const inputs: string[] = (Array.isArray(raw) ? raw : [raw]).map((input: string | number | number[] | undefined) =>
    Array.isArray(input) ? input.join(' ') : String(input ?? ''),
  );
  const dimensions = Number.isInteger(body?.dimensions) && body.dimensions > 0 ? body.dimensions : EMBEDDING_DIMENSIONS;
  let promptTokens = 0;
  const data = inputs.map((input, index) => {
    const words = input.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [input];
    promptTokens += words.length;
    const vector = new Array<number>(dimensions).fill(0);
    for (const word of words) {
      const hash = fnv1a(word);
      vector[hash % dimensions] += hash & 0x80000000 ? -1 : 1;
    }
    const norm = Math.hypot(...vector) || 1;
    return { object: 'embedding', index, embedding: vector.map((value) => value / norm) };
  });
  return {
    object: 'list',
    data,
    model: body?.model ?? 'text-embedding-3-small',
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
