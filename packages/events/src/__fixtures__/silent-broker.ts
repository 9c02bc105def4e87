import { once } from 'node:events';
import net from 'node:net';

/**
 * A "broker" that accepts TCP connections and never answers a byte: a
 * Kafka client connecting to it waits for its first response until its own
 * timeout. Tests use it to hold a publisher in its first connection attempt
 * for as long as they need, instead of racing a refused connection.
 */
export interface SilentBroker {
  /** `127.0.0.1:PORT`. */
  address: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Stops listening and drops every open connection. */
  close(): Promise<void>;
}

export async function startSilentBroker(): Promise<SilentBroker> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
