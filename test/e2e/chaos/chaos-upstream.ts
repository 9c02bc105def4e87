import { readFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { DEFAULT_FIXTURES, openAIFixture } from '../../support/mock-openai-upstream';

/**
 * An OpenAI-format upstream that misbehaves on purpose, one server per
 * deployment so a test sees the order in which deployments were tried. Good
 * answers replay recorded OpenAI bodies and streams byte for byte; the
 * failures are the ones providers are seen to have.
 */
export type ChaosBehaviour =
  /** A recorded answer (whole, or a stream when the request asks for one). */
  | { kind: 'ok' }
  /** An OpenAI error body with this status (5xx, 401…), and `code` when given. */
  | { kind: 'fail'; status: number; code?: string; message?: string }
  /** 429 with `Retry-After` (seconds). */
  | { kind: 'rate-limit'; retryAfterSeconds: number }
  /** Accepts the request and never answers, until the client goes away. */
  | { kind: 'stall' }
  /** Closes the connection as soon as the request arrives: no status at all. */
  | { kind: 'drop' }
  /** Streams `events` events of the recording, then drops the connection. */
  | { kind: 'drop-mid-stream'; events: number }
  /** Streams `events` good events, then one that is not JSON, then holds the response open. */
  | { kind: 'malformed-chunk'; events: number };

export interface ChaosUpstream {
  /** `http://127.0.0.1:PORT/v1` */
  readonly baseUrl: string;
  /** Chat requests that arrived since the last reset. */
  readonly arrived: number;
  /** Requests whose response has not closed yet. */
  readonly open: number;
  /** Behaviours used in order, one per chat request; `always` once the queue is empty. */
  enqueue(...behaviours: ChaosBehaviour[]): void;
  always(behaviour: ChaosBehaviour): void;
  /** Resolves once no request is open; rejects after `timeoutMs`, saying how many are. */
  whenNoneOpen(timeoutMs: number): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

const STREAM_EVENTS = sseEvents(readFileSync(openAIFixture(DEFAULT_FIXTURES.stream), 'utf8'));
const ANSWER = readFileSync(openAIFixture(DEFAULT_FIXTURES.chat));

/** `log` is shared by the upstreams of a test: each arrival appends `name`, giving the order across them. */
export async function startChaosUpstream(name: string, log: string[]): Promise<ChaosUpstream> {
  const queue: ChaosBehaviour[] = [];
  let fallback: ChaosBehaviour = { kind: 'ok' };
  let arrived = 0;
  let open = 0;
  const sockets = new Set<Socket>();
  const changes = new EventEmitter();
  changes.setMaxListeners(0);

  const server = createServer((request, response) => {
    open++;
    response.on('close', () => {
      open--;
      changes.emit('change');
    });
    void handle(request, response).catch(() => response.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = JSON.parse(await readText(request)) as { stream?: boolean };
    if (request.url !== '/v1/chat/completions') {
      response.writeHead(404).end();
      return;
    }
    arrived++;
    log.push(name);
    const behaviour = queue.shift() ?? fallback;
    const streamed = body.stream === true;
    switch (behaviour.kind) {
      case 'ok':
        if (!streamed) {
          response.writeHead(200, { 'content-type': 'application/json' }).end(ANSWER);
          return;
        }
        writeStreamHead(response);
        for (const event of STREAM_EVENTS) response.write(event);
        response.end();
        return;
      case 'fail':
        sendError(response, behaviour.status, behaviour.message ?? `${name} failed`, behaviour.code ?? null);
        return;
      case 'rate-limit':
        sendError(response, 429, 'Rate limit reached for requests', 'rate_limit_exceeded', { 'retry-after': String(behaviour.retryAfterSeconds) });
        return;
      case 'stall':
        return;
      case 'drop':
        request.socket.destroy();
        return;
      case 'drop-mid-stream':
        writeStreamHead(response);
        for (const event of STREAM_EVENTS.slice(0, behaviour.events)) response.write(event);
        // Let the events leave before the connection goes: a cut, not a refusal.
        await new Promise<void>((resolve) => response.write('', () => resolve()));
        request.socket.destroy();
        return;
      case 'malformed-chunk':
        writeStreamHead(response);
        for (const event of STREAM_EVENTS.slice(0, behaviour.events)) response.write(event);
        response.write('data: {"id":"chatcmpl-broken","choices":[{"delta":\n\n');
        return;
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get arrived() {
      return arrived;
    },
    get open() {
      return open;
    },
    enqueue: (...behaviours) => void queue.push(...behaviours),
    always: (behaviour) => void (fallback = behaviour),
    whenNoneOpen: (timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (open > 0) return;
          clearTimeout(timer);
          changes.off('change', check);
          resolve();
        };
        const timer = setTimeout(() => {
          changes.off('change', check);
          reject(new Error(`${name}: ${open} request(s) still open after ${timeoutMs} ms`));
        }, timeoutMs);
        changes.on('change', check);
        check();
      }),
    reset: () => {
      queue.length = 0;
      fallback = { kind: 'ok' };
      arrived = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

function writeStreamHead(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  response.flushHeaders();
}

function sendError(response: ServerResponse, status: number, message: string, code: string | null, headers: Record<string, string> = {}): void {
  const type = status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error';
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify({ error: { message, type, param: null, code } }));
}

/** The events of a recorded stream, each with its own line ends, exactly as recorded. */
function sseEvents(text: string): string[] {
  return text.match(/[\s\S]*?(?:\r\n\r\n|\n\n|\r\r|$)/g)!.filter((event) => event !== '');
}

async function readText(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
