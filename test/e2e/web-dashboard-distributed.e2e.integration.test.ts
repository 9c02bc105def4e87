import WebSocket from 'ws';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { startSwitchyard, type RunningSwitchyard } from './switchyard-harness';

/**
 * The dashboard in distributed mode: the observability service serves the
 * page on its HTTP port, pointed at the gateway's API, and the gateway's
 * live tail streams the requests it recorded (it taps its own publisher;
 * the records themselves go through Kafka).
 */

const API_ORIGIN = 'https://switchyard.example.com';

let upstream: MockOpenAIUpstream;
let switchyard: RunningSwitchyard;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  upstream = await startMockOpenAIUpstream();
  switchyard = await startSwitchyard('distributed', {
    providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['gpt-4.1-nano'] } },
    dashboard: { apiOrigin: API_ORIGIN },
  });
}, 120_000);

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.terminate();
});

afterAll(async () => {
  await switchyard?.close();
  await upstream?.close();
});

it('serves the page on the observability service, calling the configured API origin', async () => {
  const origin = new URL(switchyard.observabilityMetricsUrl!).origin;
  const response = await fetch(`${origin}/ui`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-security-policy')).toContain(`connect-src 'self' ${API_ORIGIN} wss://switchyard.example.com`);
  expect(await response.text()).toContain(`<meta name="switchyard-api-origin" content="${API_ORIGIN}" />`);
  const script = await fetch(`${origin}/ui/assets/app.js`);
  expect(script.status).toBe(200);
  expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  // The port still serves its metrics.
  expect((await fetch(switchyard.observabilityMetricsUrl!)).status).toBe(200);
});

it('streams a request the gateway recorded to the live tail', async () => {
  const socket = new WebSocket(`${switchyard.origin.replace(/^http/, 'ws')}/v1/requests/live`);
  socket.on('error', () => undefined);
  sockets.push(socket);
  const ready = new Promise<void>((resolve, reject) => {
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8'));
      if (message.type === 'ready') resolve();
    });
    socket.once('close', (code) => reject(new Error(`closed with ${code}`)));
  });
  socket.once('open', () => socket.send(JSON.stringify({ type: 'auth', key: switchyard.apiKey })));
  await ready;
  const recorded = new Promise<any>((resolve) => socket.on('message', (data: Buffer) => resolve(JSON.parse(data.toString('utf8')))));
  const response = await fetch(`${switchyard.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { ...switchyard.headers({ 'content-type': 'application/json' }), 'x-request-id': 'distributed-live-1' },
    body: JSON.stringify({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hello' }] }),
  });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  const message = await recorded;
  expect(message).toMatchObject({
    type: 'request',
    data: { id: 'distributed-live-1', object: 'request', workspace: 'default', status: 'succeeded' },
  });
});
