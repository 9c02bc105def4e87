import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayError } from '@switchyard/shared';
import { readJsonBody } from './read-json-body';

describe('readJsonBody', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((request, response) => {
      readJsonBody(request, 64).then(
        (body) => response.end(JSON.stringify({ body })),
        (error: GatewayError) => response.writeHead(error.status).end(JSON.stringify({ code: error.code })),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  function send(body: string | Buffer, headers: Record<string, string> = {}, chunked = false): Promise<{ status: number; body: any }> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest({ port, method: 'POST', headers: chunked ? headers : { 'content-length': String(Buffer.byteLength(body)), ...headers } }, (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text) }));
      });
      outgoing.on('error', reject);
      if (chunked) {
        for (let offset = 0; offset < body.length; offset += 10) outgoing.write(body.slice(offset, offset + 10));
        outgoing.end();
      } else outgoing.end(body);
    });
  }

  it('parses a JSON body, including multi-byte characters split across chunks', async () => {
    expect(await send(JSON.stringify({ text: 'héllo — ✓' }), {}, true)).toEqual({ status: 200, body: { body: { text: 'héllo — ✓' } } });
  });

  it('refuses invalid JSON with 400 invalid_json', async () => {
    expect(await send('{"model": ')).toEqual({ status: 400, body: { code: 'invalid_json' } });
  });

  it('refuses a body over the limit by its declared length and by its bytes', async () => {
    expect(await send(JSON.stringify({ text: 'x'.repeat(100) }))).toEqual({ status: 413, body: { code: 'request_too_large' } });
    expect(await send(JSON.stringify({ text: 'x'.repeat(100) }), { 'transfer-encoding': 'chunked' }, true)).toEqual({ status: 413, body: { code: 'request_too_large' } });
  });

  it('refuses a compressed body with 415', async () => {
    expect(await send('{}', { 'content-encoding': 'gzip' })).toEqual({ status: 415, body: { code: 'unsupported_encoding' } });
  });
});
