import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { GatewayError } from '@switchyard/shared';
import { readJsonBody } from './read-json-body';

describe('readJsonBody', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((request, response) => {
      readJsonBody(request, { limitBytes: 64, timeoutMs: 300 }).then(
        (body) => response.end(JSON.stringify({ body })),
        (error: GatewayError) =>
          response.writeHead(error.status, error.status === 408 ? { connection: 'close' } : {}).end(JSON.stringify({ code: error.code })),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  const sockets: Socket[] = [];
  afterAll(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });

  function send(body: string | Buffer, headers: Record<string, string> = {}, chunked = false): Promise<{ status: number; body: any }> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        {
          port,
          method: 'POST',
          headers: chunked
            ? { 'content-type': 'application/json', ...headers }
            : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
        },
        (response) => {
          let text = '';
          response.on('data', (chunk) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text) }));
        },
      );
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
    expect(await send(JSON.stringify({ text: 'x'.repeat(100) }), { 'transfer-encoding': 'chunked' }, true)).toEqual({
      status: 413,
      body: { code: 'request_too_large' },
    });
  });

  it('refuses a compressed body with 415', async () => {
    expect(await send('{}', { 'content-encoding': 'gzip' })).toEqual({ status: 415, body: { code: 'unsupported_encoding' } });
  });

  it('accepts application/json with parameters, and refuses any other content type with 415 unsupported_media_type', async () => {
    expect(await send('{"a":1}', { 'content-type': 'Application/JSON; charset=utf-8' })).toEqual({ status: 200, body: { body: { a: 1 } } });
    expect(await send('{"a":1}', { 'content-type': 'text/plain' })).toEqual({ status: 415, body: { code: 'unsupported_media_type' } });
    expect(await send('{"a":1}', { 'content-type': 'application/jsonp' })).toEqual({ status: 415, body: { code: 'unsupported_media_type' } });
    expect(await send('{"a":1}', { 'content-type': 'application/x-www-form-urlencoded' })).toEqual({
      status: 415,
      body: { code: 'unsupported_media_type' },
    });
  });

  it('answers 408 request_body_timeout to a body that does not arrive in time', async () => {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    // Declares 40 bytes and sends one: the rest never comes.
    socket.write('POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 40\r\n\r\n{');
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(received).toContain('{"code":"request_body_timeout"}');
  });
});
