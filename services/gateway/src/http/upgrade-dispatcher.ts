import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GatewayError, openAIErrorBody } from '@switchyard/shared';

/** Takes over one WebSocket upgrade (its path already matched). */
export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * The one `upgrade` listener of the gateway's server: each WebSocket path
 * (the live tail, Omi's streams) registers its handler here, and any other
 * path is refused with a 404 in OpenAI's error shape.
 */
export class UpgradeDispatcher {
  private readonly handlers = new Map<string, UpgradeHandler>();

  constructor(server: Server) {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (request.url ?? '/').split('?')[0];
      const handler = this.handlers.get(path);
      if (!handler) {
        refuseUpgrade(socket, new GatewayError(`No WebSocket is served at ${path}.`, { status: 404, errorClass: 'not_found', code: 'unknown_url' }));
        return;
      }
      handler(request, socket, head);
    });
  }

  route(path: string, handler: UpgradeHandler): void {
    if (this.handlers.has(path)) throw new Error(`a WebSocket handler is already registered at ${path}`);
    this.handlers.set(path, handler);
  }
}

/** Answers an upgrade it will not make with a plain HTTP error in OpenAI's shape, and closes the connection. */
export function refuseUpgrade(socket: Duplex, error: GatewayError): void {
  const body = JSON.stringify(openAIErrorBody(error));
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
