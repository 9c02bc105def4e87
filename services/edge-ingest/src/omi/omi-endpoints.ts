import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EdgeConfig, Logger } from '@switchyard/shared';
import type { AudioPipelineFactory, ConversationTracker, StreamOwner } from '../contracts';
import { syncLocalFiles } from '../sync/sync-local-files';
import { OMI_CLOSE_CODES } from './close-codes';
import { EdgeIngestMetrics } from './edge-ingest-metrics';
import { ListenParameterError, readListenParameters } from './listen-parameters';
import { ListenStream, type ListenStreamDependencies } from './listen-stream';
import { bearerCredential, type EdgeAuthenticate } from './stream-authentication';

export const LISTEN_PATH = '/v4/listen';
export const WEB_LISTEN_PATH = '/v4/web/listen';
export const SYNC_LOCAL_FILES_PATH = '/v1/sync-local-files';
/** How long clients get to answer the close of a shutdown. */
const SHUTDOWN_CLOSE_MS = 2_000;
/** Synced files belong to conversations of Omi's shortest timeout. */
const SYNC_CONVERSATION_TIMEOUT_SECONDS = 120;

export interface OmiEndpointsOptions {
  config: EdgeConfig;
  authenticate: EdgeAuthenticate;
  tracker: ConversationTracker;
  pipelines: AudioPipelineFactory;
  logger: Logger;
  /** Loads what the pipelines need at first use; see `ListenStreamDependencies.prepare`. */
  prepare?: () => Promise<void>;
  /** Where the edge's counters go (the gateway's registry in one process). */
  metrics?: EdgeIngestMetrics;
}

/** Omi's routes, for whichever HTTP server carries them (the gateway's, or the `edge-ingest` role's). */
export interface OmiEndpoints {
  /** The WebSocket paths `handleUpgrade` serves. */
  readonly webSocketPaths: readonly string[];
  readonly metrics: EdgeIngestMetrics;
  /** Takes over an upgrade to one of `webSocketPaths`. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** `POST /v1/sync-local-files` for an owner the caller has authenticated. */
  syncLocalFiles(request: IncomingMessage, response: ServerResponse, owner: StreamOwner): void;
  /** Closes every stream (1001, going away) and waits for their pipelines to finish. */
  close(): Promise<void>;
}

/**
 * `/v4/listen` (credential in `Authorization: Bearer`) and `/v4/web/listen`
 * (credential in the first message, `{"type":"auth","token":…}`, answered by
 * `{"type":"auth_response","success":…}`), as Omi's app speaks them. A
 * refused stream is accepted and then closed with the code the app reads
 * (1008, 1013), as Omi's backend does, rather than refused as an HTTP error
 * the app would not understand.
 */
export function createOmiEndpoints(options: OmiEndpointsOptions): OmiEndpoints {
  const { config, authenticate, logger } = options;
  const metrics = options.metrics ?? new EdgeIngestMetrics();
  const sockets = new WebSocketServer({ noServer: true, maxPayload: config.maxMessageBytes, clientTracking: true });
  const streamDependencies: ListenStreamDependencies = {
    tracker: options.tracker,
    pipelines: options.pipelines,
    metrics,
    logger,
    limits: config,
    prepare: options.prepare,
  };
  const streams = new Set<ListenStream>();

  function serve(webSocket: WebSocket, request: IncomingMessage, path: string): void {
    let parameters;
    try {
      parameters = readListenParameters(new URL(request.url ?? '/', 'http://edge').searchParams, config.conversations.minTimeoutSeconds);
    } catch (error) {
      metrics.streamOpened();
      metrics.streamClosed(OMI_CLOSE_CODES.policyViolation);
      webSocket.close(OMI_CLOSE_CODES.policyViolation, error instanceof ListenParameterError ? error.message.slice(0, 120) : 'Bad parameters.');
      return;
    }
    if (streams.size >= config.maxStreams) {
      metrics.dropped('too_many_streams');
      webSocket.close(OMI_CLOSE_CODES.tryAgainLater, 'Too many streams are open; try again later.');
      return;
    }
    const stream = new ListenStream(webSocket, parameters, streamDependencies);
    streams.add(stream);
    webSocket.once('close', () => {
      streams.delete(stream);
    });
    const begin = (credential: string | undefined, answer?: (success: boolean) => void) => {
      authenticate(credential).then(
        (owner) => {
          answer?.(true);
          void stream.start(owner);
        },
        (error: unknown) => {
          answer?.(false);
          stream.refuse(error);
        },
      );
    };
    if (path === LISTEN_PATH) {
      begin(bearerCredential(request.headers.authorization));
      return;
    }
    // The browser variant: nothing streams before the first message authenticates.
    const authTimer = setTimeout(
      () => stream.close(OMI_CLOSE_CODES.policyViolation, `Send {"type":"auth","token":…} within ${config.authTimeoutSeconds} s.`),
      config.authTimeoutSeconds * 1000,
    );
    webSocket.once('close', () => clearTimeout(authTimer));
    stream.textBeforeStart = (text) => {
      stream.textBeforeStart = undefined;
      clearTimeout(authTimer);
      const token = readAuthMessage(text);
      if (token === undefined) {
        webSocket.send(JSON.stringify({ type: 'auth_response', success: false }));
        stream.close(OMI_CLOSE_CODES.policyViolation, 'The first message must be {"type":"auth","token":"…"}.');
        return;
      }
      begin(token, (success) => webSocket.send(JSON.stringify({ type: 'auth_response', success })));
    };
  }

  return {
    webSocketPaths: [LISTEN_PATH, WEB_LISTEN_PATH],
    metrics,
    handleUpgrade: (request, socket, head) => {
      const path = (request.url ?? '/').split('?')[0];
      sockets.handleUpgrade(request, socket, head, (webSocket) => serve(webSocket, request, path));
    },
    syncLocalFiles: (request, response, owner) =>
      void syncLocalFiles(request, response, owner, {
        ...streamDependencies,
        sync: config.sync,
        timeoutSeconds: SYNC_CONVERSATION_TIMEOUT_SECONDS,
      }).catch((error: unknown) => {
        logger.error({ err: error }, 'edge-sync-failed');
        if (response.headersSent) {
          response.destroy();
          return;
        }
        const body = JSON.stringify({
          error: { message: 'The files could not be processed.', type: 'server_error', param: null, code: 'internal_error' },
        });
        response.writeHead(500, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        response.end(body);
      }),
    close: async () => {
      const open = [...streams];
      for (const stream of open) stream.close(OMI_CLOSE_CODES.goingAway, 'The server is shutting down.');
      sockets.close();
      // A client that does not answer the close is cut after a while; what its pipeline held is still finished.
      const timer = setTimeout(() => open.forEach((stream) => stream.terminate()), SHUTDOWN_CLOSE_MS);
      await Promise.allSettled(open.map((stream) => stream.finished));
      clearTimeout(timer);
    },
  };
}

function readAuthMessage(text: string): string | undefined {
  try {
    const message = JSON.parse(text) as unknown;
    if (typeof message !== 'object' || message === null) return undefined;
    const { type, token } = message as { type?: unknown; token?: unknown };
    // A token never holds control characters or spaces; refusing them keeps the header made from it well-formed.
    return type === 'auth' && typeof token === 'string' && /^[\x21-\x7e]{1,4096}$/.test(token) ? token : undefined;
  } catch {
    return undefined;
  }
}
