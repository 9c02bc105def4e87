import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { GatewayError, type Logger, openAIErrorBody } from '@switchyard/shared';
import type { GatewayMetrics } from './gateway-metrics';

export interface HttpServerSettings {
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

/** A certificate chain and key (PEM): the server speaks HTTPS with them. */
export interface HttpsIdentity {
  cert: Buffer;
  key: Buffer;
}

/** What a request Node could not parse is answered with: status, OpenAI `code`, and a message that never echoes the input. */
interface ClientErrorAnswer {
  status: number;
  code: string;
  message: string;
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/**
 * The gateway's node:http server with its edge bounds: how long a client may
 * take to send headers and body, how long an idle keep-alive connection lives,
 * how many connections are open at once. Node's own answers to requests it
 * cannot parse (a bare `400 Bad Request` with no body) are replaced by
 * OpenAI's error shape.
 */
export function createGatewayHttpServer(
  listener: (request: IncomingMessage, response: ServerResponse) => void,
  settings: HttpServerSettings,
  metrics: GatewayMetrics,
  logger: Logger,
  https?: HttpsIdentity,
): Server {
  // The latest request of each connection: says whether a timeout hit its headers or its body.
  const latestRequest = new WeakMap<Socket, IncomingMessage>();
  const options = {
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    headersTimeout: settings.headersTimeoutMs,
    // A backstop for bodies no route reads: the routes that read one answer 408 themselves after bodyTimeoutMs.
    requestTimeout: settings.headersTimeoutMs + settings.bodyTimeoutMs,
    // Node checks both timeouts only this often (30 s by default), which would stretch a 10 s headers timeout to 40 s.
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(settings.headersTimeoutMs / 4))),
  };
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    latestRequest.set(request.socket, request);
    listener(request, response);
  };
  // An HTTPS server is an HTTP server over TLS sockets: the same events, timeouts and connection methods.
  const server: Server = https
    ? createHttpsServer({ ...options, cert: https.cert, key: https.key, minVersion: 'TLSv1.2' }, handle)
    : createServer(options, handle);
  if (https) {
    // A failed handshake (a plain-HTTP client, an unknown CA) only closes that connection.
    server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: Socket) => {
      logger.debug({ code: error.code }, 'tls-handshake-failed');
      socket.destroy();
    });
  }
  server.maxConnections = settings.maxConnections;
  server.on('drop', () => metrics.connectionRejected());
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const request = latestRequest.get(socket);
    const answer = clientErrorAnswer(error.code, request !== undefined && !request.complete ? 'body' : 'headers');
    if (answer.status === 408) metrics.httpTimeout(answer.code === 'headers_timeout' ? 'headers' : 'body');
    else metrics.malformedRequest(answer.code);
    logger.info({ status: answer.status, code: answer.code, nodeCode: error.code }, 'request-refused');
    // A response already under way on this connection cannot be replaced, only cut.
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const body = JSON.stringify(
      openAIErrorBody(new GatewayError(answer.message, { status: answer.status, errorClass: 'invalid_request', code: answer.code })),
    );
    socket.end(
      `HTTP/1.1 ${answer.status} ${REASONS[answer.status]}\r\n` +
        'content-type: application/json; charset=utf-8\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        'connection: close\r\n\r\n' +
        body,
      () => socket.destroy(),
    );
  });
  return server;
}

function clientErrorAnswer(nodeCode: string | undefined, phase: 'headers' | 'body'): ClientErrorAnswer {
  switch (nodeCode) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return phase === 'headers'
        ? { status: 408, code: 'headers_timeout', message: 'The request headers did not arrive in time.' }
        : { status: 408, code: 'request_body_timeout', message: 'The request body did not arrive in time.' };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'headers_too_large', message: 'The request headers are larger than the server accepts.' };
    case 'HPE_INVALID_URL':
      return { status: 400, code: 'invalid_url', message: 'The request URL is malformed.' };
    case 'HPE_INVALID_HEADER_TOKEN':
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_LF_EXPECTED':
    case 'HPE_CR_EXPECTED':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_INVALID_TRANSFER_ENCODING':
      return {
        status: 400,
        code: 'invalid_header',
        message:
          'A request header is malformed: header names and values must not hold CR, LF, NUL or other control characters, and framing headers must be valid.',
      };
    default:
      return { status: 400, code: 'invalid_http_request', message: 'The request is not valid HTTP/1.1.' };
  }
}
