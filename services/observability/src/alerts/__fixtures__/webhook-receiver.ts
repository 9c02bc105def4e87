import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedNotice {
  path: string;
  contentType: string | undefined;
  body: any;
}

/** A real HTTP server on loopback that webhooks are sent to: it keeps what arrives and answers as told. */
export interface WebhookReceiver {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Every request, in arrival order, the failed ones included. */
  readonly received: ReceivedNotice[];
  /** Those of one path. */
  at(path: string): ReceivedNotice[];
  /** The next requests are answered with these statuses (then 200), each with its headers. */
  answerNext(...answers: Array<{ status: number; headers?: Record<string, string> }>): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedNotice[] = [];
  const answers: Array<{ status: number; headers?: Record<string, string> }> = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Kept as text: the assertion says what arrived.
      }
      received.push({ path: request.url ?? '/', contentType: request.headers['content-type'], body });
      const answer = answers.shift() ?? { status: 200 };
      response.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      response.end(answer.status < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    at: (path) => received.filter((notice) => notice.path === path),
    answerNext: (...next) => answers.push(...next),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
