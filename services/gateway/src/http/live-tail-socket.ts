import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  ANONYMOUS_PRINCIPAL,
  GatewayError,
  isGatewayError,
  permissionDenied,
  type Logger,
  type Principal,
  type RequestRecord,
} from '@switchyard/shared';
import { authorizeRequest } from '../auth/authorize-request';
import type { RequestAuthenticator } from '../auth/request-authenticator';
import type { LiveTailHub } from '../live-tail/live-tail-hub';
import { formatRequestRecord } from './observability-routes';
import { refuseUpgrade, type UpgradeDispatcher } from './upgrade-dispatcher';

export const LIVE_TAIL_PATH = '/v1/requests/live';

/**
 * Close codes of the live tail, in the range RFC 6455 leaves to
 * applications: 4000 + the HTTP status that would say the same.
 */
export const LIVE_TAIL_CLOSE_CODES = {
  /** The first message was not `{"type":"auth","key":…}`. */
  badFirstMessage: 4400,
  /** The key is missing, unknown, revoked or expired. */
  unauthenticated: 4401,
  /** The key may not read records (`requests.read`). */
  forbidden: 4403,
  /** No first message within `authTimeoutMs`. */
  authTimeout: 4408,
  /** Credentials could not be checked (the key store is away). */
  unavailable: 4503,
} as const;

export interface LiveTailSocketOptions {
  hub: LiveTailHub;
  authenticator: RequestAuthenticator;
  /** Browser origins besides the gateway's own that may open the socket (`server.cors.allowedOrigins`). */
  allowedOrigins: readonly string[];
  logger: Logger;
  /** How long a new socket has to authenticate. Default 10 s. */
  authTimeoutMs?: number;
  /** Open live tails at most; past it a new one is refused with 1013 (try again later). Default 256. */
  maxSockets?: number;
  /** Bytes queued on a socket past which records are skipped for it, so a slow reader costs no memory. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** How often an idle socket is pinged (and dropped when the last ping went unanswered). Default 30 s. */
  pingIntervalMs?: number;
}

export interface LiveTailSocket {
  /** Closes every live tail (1001, going away). */
  close(): void;
}

/**
 * The live tail: a WebSocket at `/v1/requests/live` that streams each
 * recorded request, formatted as `GET /v1/requests/{id}` shows it, of the
 * workspaces the caller may read.
 *
 * A browser cannot set headers on a WebSocket, so the key comes in the first
 * message, `{"type":"auth","key":"sk-sy-…"}`; until it is checked nothing is
 * sent, and a socket that does not authenticate is closed with a 44xx code
 * naming why. When no credential is required the socket is ready at once.
 * A page of another origin may not open it (a cross-site WebSocket would
 * otherwise read a local gateway's records), unless `allowedOrigins` lists it.
 */
export function attachLiveTailSocket(upgrades: UpgradeDispatcher, options: LiveTailSocketOptions): LiveTailSocket {
  const { hub, authenticator, logger } = options;
  const authTimeoutMs = options.authTimeoutMs ?? 10_000;
  const maxSockets = options.maxSockets ?? 256;
  const maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
  const pingIntervalMs = options.pingIntervalMs ?? 30_000;
  // Only the auth message is ever read; nothing a client sends needs more.
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024, clientTracking: true });

  upgrades.route(LIVE_TAIL_PATH, (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!originAllowed(request, options.allowedOrigins)) {
      refuseUpgrade(socket, permissionDenied('This origin may not open the live tail.', 'origin', 'origin_not_allowed'));
      return;
    }
    if (sockets.clients.size >= maxSockets) {
      refuseUpgrade(
        socket,
        new GatewayError('Too many live tails are open; try again later.', { status: 503, errorClass: 'unavailable', code: 'too_many_live_tails' }),
      );
      return;
    }
    sockets.handleUpgrade(request, socket, head, (webSocket) => serve(webSocket));
  });

  function serve(webSocket: WebSocket): void {
    let stopWatching: (() => void) | undefined;
    let alive = true;
    const ping = setInterval(() => {
      if (!alive) {
        webSocket.terminate();
        return;
      }
      alive = false;
      webSocket.ping();
    }, pingIntervalMs);
    ping.unref();
    webSocket.on('pong', () => (alive = true));
    webSocket.on('error', (error) => logger.debug({ err: error }, 'live-tail-socket-error'));
    webSocket.on('close', () => {
      clearInterval(ping);
      clearTimeout(authTimer);
      stopWatching?.();
    });

    const start = (principal: Principal) => {
      if (webSocket.readyState !== webSocket.OPEN) return;
      const scope = principal.readableWorkspaces;
      webSocket.send(JSON.stringify({ type: 'ready', workspaces: scope }));
      stopWatching = hub.watch(scope, (record) => {
        // A reader that cannot keep up misses records rather than holding them in memory.
        if (webSocket.bufferedAmount > maxBufferedBytes) return;
        webSocket.send(requestMessage(record));
      });
    };

    const authTimer = setTimeout(
      () => webSocket.close(LIVE_TAIL_CLOSE_CODES.authTimeout, `Send {"type":"auth","key":…} within ${authTimeoutMs / 1000} s.`),
      authenticator.required ? authTimeoutMs : 0,
    );
    if (!authenticator.required) {
      clearTimeout(authTimer);
      start(ANONYMOUS_PRINCIPAL);
      // Messages (an auth message sent anyway) are ignored.
      return;
    }
    webSocket.once('message', (data: RawData, isBinary: boolean) => {
      clearTimeout(authTimer);
      const key = readAuthMessage(data, isBinary);
      if (key === undefined) {
        webSocket.close(LIVE_TAIL_CLOSE_CODES.badFirstMessage, 'The first message must be {"type":"auth","key":"…"}.');
        return;
      }
      authenticator
        .authenticate({ authorization: `Bearer ${key}` })
        .then((principal) => {
          authorizeRequest(principal, 'requests.read', {});
          start(principal);
        })
        .catch((error: unknown) => webSocket.close(...closeFor(error)));
    });
  }

  return {
    close: () => {
      for (const client of sockets.clients) client.close(1001, 'The gateway is shutting down.');
      sockets.close();
    },
  };
}

/** Each record is formatted once per socket; records are small and sockets few. */
function requestMessage(record: RequestRecord): string {
  return JSON.stringify({ type: 'request', data: formatRequestRecord(record) });
}

function readAuthMessage(data: RawData, isBinary: boolean): string | undefined {
  if (isBinary) return undefined;
  try {
    const text = (Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)).toString('utf8');
    const message = JSON.parse(text) as unknown;
    if (typeof message !== 'object' || message === null) return undefined;
    const { type, key } = message as { type?: unknown; key?: unknown };
    // A key never holds control characters or spaces; refusing them keeps the header made from it well-formed.
    return type === 'auth' && typeof key === 'string' && /^[\x21-\x7e]{1,4096}$/.test(key) ? key : undefined;
  } catch {
    return undefined;
  }
}

/** The close code and reason for a refused credential; the reason never repeats the key. */
function closeFor(error: unknown): [number, string] {
  if (isGatewayError(error)) {
    if (error.status === 401) return [LIVE_TAIL_CLOSE_CODES.unauthenticated, 'The key is not valid.'];
    if (error.status === 403) return [LIVE_TAIL_CLOSE_CODES.forbidden, 'This key may not read request records.'];
  }
  return [LIVE_TAIL_CLOSE_CODES.unavailable, 'Credentials cannot be checked right now.'];
}

/** No Origin (not a browser), the gateway's own, or one the config allows. */
function originAllowed(request: IncomingMessage, allowedOrigins: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (allowedOrigins.includes(origin)) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}
