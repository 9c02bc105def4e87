import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the loopback server read it: OpenAI's multipart fields. */
export interface ReceivedTranscription {
  authorization: string | undefined;
  fields: Record<string, string[]>;
  file: { name: string; type: string; bytes: Uint8Array } | undefined;
}

export type TranscriptionAnswer = { status: number; body: unknown } | 'hang';

/**
 * A loopback server speaking OpenAI's `POST /v1/audio/transcriptions`:
 * multipart in (read with the platform's own multipart parser), the answer
 * the test decides out (`verbose_json`, `json`, an OpenAI-format error, or
 * none at all). What it received is kept for the test to check.
 */
export class TranscriptionServer {
  readonly received: ReceivedTranscription[] = [];
  private server: Server | undefined;

  constructor(private readonly answer: (request: ReceivedTranscription, index: number) => TranscriptionAnswer | Promise<TranscriptionAnswer>) {}

  get baseUrl(): string {
    const address = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (request.method !== 'POST' || request.url !== '/v1/audio/transcriptions') {
      response
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error', param: null, code: null } }));
      return;
    }
    const form = await new Request('http://loopback/', {
      method: 'POST',
      headers: { 'content-type': request.headers['content-type'] ?? '' },
      body: Buffer.concat(chunks),
    }).formData();
    const received: ReceivedTranscription = { authorization: request.headers.authorization, fields: {}, file: undefined };
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') (received.fields[name] ??= []).push(value);
      else received.file = { name: value.name, type: value.type, bytes: new Uint8Array(await value.arrayBuffer()) };
    }
    this.received.push(received);
    const answer = await this.answer(received, this.received.length - 1);
    if (answer === 'hang') return;
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  }
}

/** OpenAI's error body. */
export function openAiError(message: string, type = 'invalid_request_error', code: string | null = null): unknown {
  return { error: { message, type, param: null, code } };
}
