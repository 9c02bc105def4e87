import { connect, type Socket } from 'node:net';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { startSwitchyard, type Mode, type RunningSwitchyard } from './switchyard-harness';

/**
 * The gateway's HTTP edge under hostile input, over real sockets: every
 * refusal is in OpenAI's error shape, and a normal request still succeeds
 * after each one.
 */

const ALLOWED_ORIGIN = 'https://app.example.com';
const MAX_CONNECTIONS = 8;

/** `{"a":{"a":…}}` as text, `levels` deep. */
function nestedJson(levels: number): string {
  return '{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1);
}

describe.each<Mode>(['embedded', 'distributed'])('the HTTP edge (%s mode)', (mode) => {
  let upstream: MockOpenAIUpstream;
  let switchyard: RunningSwitchyard;
  let origin: string;
  let port: number;
  const sockets: Socket[] = [];
  const timers: NodeJS.Timeout[] = [];

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    switchyard = await startSwitchyard(mode, {
      server: {
        headersTimeoutMs: 1_000,
        bodyTimeoutMs: 500,
        maxConnections: MAX_CONNECTIONS,
        cors: { allowedOrigins: [ALLOWED_ORIGIN] },
      },
      providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'] } },
    });
    origin = switchyard.baseURL.replace(/\/v1$/, '');
    port = Number(new URL(origin).port);
    // Starting the embedded database (an initdb) is slow on a loaded machine.
  }, 120_000);

  afterEach(() => {
    for (const timer of timers.splice(0)) clearInterval(timer);
    for (const socket of sockets.splice(0)) socket.destroy();
  });

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
  });

  async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
    const response = await fetch(`${switchyard.baseURL}${path}`, {
      method: 'POST',
      headers: switchyard.headers({ 'content-type': 'application/json', ...headers }),
      body,
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, body: JSON.parse(text) };
  }

  async function get(path: string) {
    const response = await fetch(`${origin}${path}`, { headers: switchyard.headers() });
    return { status: response.status, body: await response.json() };
  }

  /** The one check run after every hostile input. */
  async function expectNormalRequestServed(): Promise<void> {
    const { status, body } = await post('/chat/completions', JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }));
    expect(status).toBe(200);
    expect(body.object).toBe('chat.completion');
  }

  function expectOpenAIError(body: any, code: string, param?: string | null): void {
    expect(body.error).toEqual({
      message: expect.any(String),
      type: 'invalid_request_error',
      param: param === undefined ? expect.anything() : param,
      code,
    });
  }

  /** Opens a raw connection; resolves with everything the server sent once it closes the connection. */
  function rawConnection(): { socket: Socket; received: Promise<string> } {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('error', () => {});
    return { socket, received: new Promise((resolve) => socket.once('close', () => resolve(text))) };
  }

  /** Writes one byte of `text` every 50 ms until the connection closes. */
  function dribble(socket: Socket, text: string): void {
    let offset = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || offset >= text.length) return clearInterval(timer);
      socket.write(text[offset++]);
    }, 50);
    timers.push(timer);
  }

  async function metric(line: RegExp): Promise<number> {
    const text = await (await fetch(`${origin}/metrics`)).text();
    return Number(text.match(line)?.[1] ?? 0);
  }

  function jsonBodyOf(raw: string): any {
    return JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
  }

  it('refuses JSON nested 10,000 levels deep in a tool schema or a response schema with a 400 naming the field', async () => {
    const tool = `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":${nestedJson(10_000)}}}]}`;
    const inTool = await post('/chat/completions', tool);
    expect(inTool.status).toBe(400);
    expectOpenAIError(inTool.body, 'json_above_max_depth');
    expect(inTool.body.error.param).toMatch(/^tools\[0\]\.function\.parameters\.a/);
    const schema = `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"s","schema":${nestedJson(10_000)}}}}`;
    const inSchema = await post('/chat/completions', schema);
    expect(inSchema.status).toBe(400);
    expect(inSchema.body.error.param).toMatch(/^response_format\.json_schema\.schema\.a/);
    expect(upstream.requests.filter((request) => request.path === '/v1/chat/completions')).toHaveLength(0);
    await expectNormalRequestServed();
  });

  it('answers a malformed percent-encoding or a NUL in a request id with a 400', async () => {
    const malformed = await get('/v1/requests/%E0%A4%A');
    expect(malformed.status).toBe(400);
    expectOpenAIError(malformed.body, 'invalid_url', null);
    const nul = await get('/v1/requests/%00');
    expect(nul.status).toBe(400);
    expectOpenAIError(nul.body, 'invalid_value', 'id');
    const long = await get(`/v1/requests/${'x'.repeat(129)}`);
    expect(long.status).toBe(400);
    const filter = await get('/v1/requests?model=%00');
    expect(filter.status).toBe(400);
    expectOpenAIError(filter.body, 'invalid_value', 'model');
    expect((await get('/v1/requests/never-recorded')).status).toBe(404);
    await expectNormalRequestServed();
  });

  it('refuses a 50,000-character model, a 3.9 MB user and 100,000 embedding inputs', async () => {
    const longModel = await post('/chat/completions', JSON.stringify({ model: 'm'.repeat(50_000), messages: [{ role: 'user', content: 'hi' }] }));
    expect(longModel.status).toBe(400);
    expectOpenAIError(longModel.body, 'string_above_max_length', 'model');
    const longUser = await post(
      '/chat/completions',
      JSON.stringify({ model: 'gpt-4o-mini', user: 'u'.repeat(3_900_000), messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(longUser.status).toBe(400);
    expectOpenAIError(longUser.body, 'string_above_max_length', 'user');
    const manyInputs = await post('/embeddings', JSON.stringify({ model: 'text-embedding-3-small', input: new Array(100_000).fill('x') }));
    expect(manyInputs.status).toBe(400);
    expect(manyInputs.text.length).toBeLessThan(1_000);
    const overCap = await post('/embeddings', JSON.stringify({ model: 'text-embedding-3-small', input: new Array(2_049).fill('x') }));
    expect(overCap.status).toBe(400);
    expectOpenAIError(overCap.body, 'array_above_max_length', 'input');
    const longHeader = await post('/chat/completions', JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }), {
      'x-switchyard-session-id': 's'.repeat(9_000),
    });
    expect(longHeader.status).toBe(400);
    expectOpenAIError(longHeader.body, 'string_above_max_length', 'x-switchyard-session-id');
    await expectNormalRequestServed();
  });

  it('serves a model name outside Latin-1 with a percent-encoded header, and refuses one with a NUL', async () => {
    const cyrillic = await post('/chat/completions', JSON.stringify({ model: 'gpt-4o-mini-ж', messages: [{ role: 'user', content: 'hi' }] }));
    expect(cyrillic.status).toBe(200);
    expect(cyrillic.headers.get('x-switchyard-model')).toBe('gpt-4o-mini-%D0%B6');
    expect(decodeURIComponent(cyrillic.headers.get('x-switchyard-model')!)).toBe('gpt-4o-mini-ж');
    // An invalid UTF-8 byte in the model name reads as U+FFFD.
    const invalidUtf8 = Buffer.concat([
      Buffer.from('{"model":"gpt-'),
      Buffer.from([0xff]),
      Buffer.from('","messages":[{"role":"user","content":"hi"}]}'),
    ]);
    const replaced = await post('/chat/completions', invalidUtf8);
    expect(replaced.status).toBe(200);
    expect(replaced.headers.get('x-switchyard-model')).toBe('gpt-%EF%BF%BD');
    const nul = await post('/chat/completions', JSON.stringify({ model: 'gpt-4o-mini\u0000', messages: [{ role: 'user', content: 'hi' }] }));
    expect(nul.status).toBe(400);
    expectOpenAIError(nul.body, 'invalid_value', 'model');
    await expectNormalRequestServed();
  });

  it('answers 408 to a body dribbled past server.bodyTimeoutMs, and closes the connection', async () => {
    const before = await metric(/^switchyard_http_timeouts_total\{phase="body"\} (\d+)/m);
    const { socket, received } = rawConnection();
    // With the key: a request without one is refused from its headers, before any body is awaited.
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: gateway\r\nauthorization: Bearer ${switchyard.apiKey}\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n`,
    );
    dribble(socket, '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"a body that never ends in time"}]}'.padEnd(200));
    const raw = await received;
    expect(raw).toMatch(/^HTTP\/1\.1 408 /);
    expect(raw.toLowerCase()).toContain('connection: close');
    expectOpenAIError(jsonBodyOf(raw), 'request_body_timeout', null);
    expect(await metric(/^switchyard_http_timeouts_total\{phase="body"\} (\d+)/m)).toBe(before + 1);
    await expectNormalRequestServed();
  });

  it('answers 408 to headers dribbled past server.headersTimeoutMs, and closes the connection', async () => {
    const before = await metric(/^switchyard_http_timeouts_total\{phase="headers"\} (\d+)/m);
    const { socket, received } = rawConnection();
    dribble(socket, `POST /v1/chat/completions HTTP/1.1\r\nhost: gateway\r\nx-slow: ${'z'.repeat(500)}`);
    const raw = await received;
    expect(raw).toMatch(/^HTTP\/1\.1 408 /);
    expectOpenAIError(jsonBodyOf(raw), 'headers_timeout', null);
    expect(await metric(/^switchyard_http_timeouts_total\{phase="headers"\} (\d+)/m)).toBe(before + 1);
    await expectNormalRequestServed();
  });

  it.each([
    ['a bare CR', 'x-test: a\rb'],
    ['a bare LF inside a value', 'x-test: a\nb'],
    ['a NUL', 'x-test: a\u0000b'],
  ])('answers %s in a header with a 400 in OpenAI shape', async (_name, header) => {
    const { socket, received } = rawConnection();
    socket.write(`GET /v1/models HTTP/1.1\r\nhost: gateway\r\n${header}\r\nx-after: 1\r\n\r\n`, 'latin1');
    const raw = await received;
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    const body = jsonBodyOf(raw);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param: null, code: expect.stringMatching(/^invalid_(header|http_request)$/) });
    await expectNormalRequestServed();
  });

  it('refuses a text/plain POST with 415, so a web page cannot spend the provider keys', async () => {
    const before = upstream.requests.length;
    const plain = await post('/chat/completions', JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }), {
      'content-type': 'text/plain',
    });
    expect(plain.status).toBe(415);
    expectOpenAIError(plain.body, 'unsupported_media_type', 'content-type');
    expect(upstream.requests.length).toBe(before);
    const charset = await post('/chat/completions', JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }), {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(charset.status).toBe(200);
  });

  it('allows only the configured origins (CORS)', async () => {
    const preflight = (requestOrigin: string) =>
      fetch(`${switchyard.baseURL}/chat/completions`, {
        method: 'OPTIONS',
        headers: { origin: requestOrigin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
      });
    const listed = await preflight(ALLOWED_ORIGIN);
    expect(listed.status).toBe(204);
    expect(listed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(listed.headers.get('access-control-allow-methods')).toContain('POST');
    expect(listed.headers.get('access-control-allow-headers')).toBe('content-type, authorization');
    const unlisted = await preflight('https://evil.example');
    expect(unlisted.status).toBe(403);
    expect(unlisted.headers.get('access-control-allow-origin')).toBeNull();
    expectOpenAIError(await unlisted.json(), 'origin_not_allowed', 'origin');
    const fromUnlisted = await fetch(`${origin}/v1/models`, { headers: switchyard.headers({ origin: 'https://evil.example' }) });
    expect(fromUnlisted.headers.get('access-control-allow-origin')).toBeNull();
    const fromListed = await fetch(`${origin}/v1/models`, { headers: switchyard.headers({ origin: ALLOWED_ORIGIN }) });
    expect(fromListed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    await expectNormalRequestServed();
  });

  it('closes connections past server.maxConnections on arrival, and counts them', async () => {
    const before = await metric(/^switchyard_http_connections_rejected_total (\d+)/m);
    // Hold the cap's worth of connections open, each mid-headers.
    const held = Array.from({ length: MAX_CONNECTIONS }, () => rawConnection());
    await Promise.all(held.map(({ socket }) => new Promise((resolve) => socket.once('connect', resolve))));
    for (const { socket } of held) socket.write('GET /healthz HTTP/1.1\r\n');
    const extra = rawConnection();
    expect(await extra.received).toBe('');
    for (const { socket } of held) socket.destroy();
    // The server sees the held connections go asynchronously: retry until one is free again.
    const deadline = Date.now() + 5_000;
    for (;;) {
      try {
        expect(await metric(/^switchyard_http_connections_rejected_total (\d+)/m)).toBeGreaterThanOrEqual(before + 1);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    await expectNormalRequestServed();
  });
});
