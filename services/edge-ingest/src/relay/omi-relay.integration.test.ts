import type { AddressInfo } from 'node:net';
import OpusScript from 'opusscript';
import { WebSocketServer, type WebSocket } from 'ws';
import type { TranscriptSegment } from '../contracts';
import { OmiRelay } from './omi-relay';
import { testSegment } from '../__fixtures__/transcript-segment';

/** A loopback server speaking the server side of Omi's socket, recording what each connection got. */
interface Connection {
  url: URL;
  authorization: string | undefined;
  frames: Buffer[];
  socket: WebSocket;
}

function segment(id: string, text: string, start: number, end: number): TranscriptSegment {
  return testSegment(id, text, start, end, { speech_profile_processed: true });
}

let server: WebSocketServer;
let connections: Connection[];
let onFrame: (connection: Connection) => void;
let onConnection: (connection: Connection) => void;
let relay: OmiRelay | undefined;

beforeEach(async () => {
  connections = [];
  onFrame = () => undefined;
  onConnection = () => undefined;
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (socket, request) => {
    const connection: Connection = {
      url: new URL(request.url ?? '/', 'http://localhost'),
      authorization: request.headers.authorization,
      frames: [],
      socket,
    };
    connections.push(connection);
    socket.send('ping');
    onConnection(connection);
    socket.on('message', (data, isBinary) => {
      if (!isBinary) {
        const message = JSON.parse((data as Buffer).toString()) as { type: string; token: string };
        if (message.type === 'auth') socket.send(JSON.stringify({ type: 'auth_response', success: message.token === 'sk-test' }));
        return;
      }
      connection.frames.push(data as Buffer);
      onFrame(connection);
    });
  });
  await new Promise((resolve) => server.once('listening', resolve));
});

afterEach(async () => {
  await relay?.close();
  relay = undefined;
  for (const client of server.clients) client.terminate();
  await new Promise((resolve) => server.close(resolve));
});

function url(): string {
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Half a second of a rising tone at 16 kHz, so no two frames encode alike. */
const audio = Int16Array.from({ length: 8000 }, (_, index) => Math.round(6000 * Math.sin((2 * Math.PI * (300 + index / 10) * index) / 16_000)));

describe('the Omi relay', () => {
  it('streams one decodable Opus packet per message with the bearer key and Omi query, and upserts segments by id', async () => {
    onFrame = (connection) => {
      // Every 10 frames the transcript grows: the same id again, as Omi's server re-sends a growing segment.
      if (connection.frames.length % 10 === 0)
        connection.socket.send(JSON.stringify([segment('s1', `words ${connection.frames.length}`, 0, connection.frames.length / 100)]));
      if (connection.frames.length === 50) connection.socket.send(JSON.stringify([segment('s2', 'second', 0.5, 0.6)]));
    };
    relay = new OmiRelay({ url: url(), credential: 'sk-test', pace: Infinity, conversationTimeout: 120, query: { uid: 'ignored-by-servers' } });
    const sent = await relay.stream(audio);
    expect(sent).toMatchObject({ framesEncoded: 50, framesSent: 50, connections: 1 });
    expect(sent.failure).toBeUndefined();
    const report = await relay.waitFor((current) => current.segments.length === 2 && current.pings === 1, 5000);
    expect(report.segments.map((each) => [each.id, each.text])).toEqual([
      ['s1', 'words 50'],
      ['s2', 'second'],
    ]);
    const [connection] = connections;
    expect(connection.authorization).toBe('Bearer sk-test');
    expect(connection.url.pathname).toBe('/v4/listen');
    expect(Object.fromEntries(connection.url.searchParams)).toEqual({
      language: 'en',
      sample_rate: '16000',
      codec: 'opus',
      conversation_timeout: '120',
      uid: 'ignored-by-servers',
    });
    const decoder = new OpusScript(16_000, 1);
    try {
      for (const frame of connection.frames) expect(decoder.decode(frame).length).toBe(320);
    } finally {
      decoder.delete();
    }
  });

  it('reconnects with back-off after a forced network change and sends the rest on the new socket', async () => {
    relay = new OmiRelay({ url: url(), credential: 'sk-test', pace: Infinity, reconnectAfterFrames: [20], backoffBaseMs: 5 });
    const report = await relay.stream(audio);
    expect(report).toMatchObject({ framesSent: 50, connections: 2, closes: [{ code: 1000, forced: true }] });
    await relay.waitFor(() => connections.length === 2 && connections[1].frames.length === 30, 5000);
    expect(connections[0].frames).toHaveLength(20);
  });

  it('reconnects when the server drops the socket, and gives up on a close code the app does not retry', async () => {
    onFrame = (connection) => {
      if (connection.frames.length === 5 && connections.length === 1) connection.socket.close(1011, 'stt backend gone');
      if (connection.frames.length === 1 && connections.length === 2) connection.socket.close(1008, 'bad auth');
    };
    // Real time, so the server's close reaches the relay while it is still streaming.
    relay = new OmiRelay({ url: url(), credential: 'sk-test', pace: 1, backoffBaseMs: 5 });
    await relay.stream(audio);
    const report = await relay.waitFor((current) => current.failure !== undefined, 5000);
    expect(report.closes.map((close) => close.code)).toEqual([1011, 1008]);
    expect(report.failure).toMatch(/1008/);
    expect(connections).toHaveLength(2);
  });

  it('authenticates with the first message on /v4/web/listen', async () => {
    relay = new OmiRelay({ url: url(), credential: 'sk-test', web: true, pace: Infinity });
    expect(await relay.stream(audio)).toMatchObject({ framesSent: 50, connections: 1 });
    expect(connections[0].url.pathname).toBe('/v4/web/listen');
    expect(connections[0].authorization).toBeUndefined();

    const refused = new OmiRelay({ url: url(), credential: 'wrong', web: true, pace: Infinity, backoffBaseMs: 5 });
    try {
      expect(await refused.stream(audio)).toMatchObject({ framesSent: 0, failure: 'auth_response: success false' });
    } finally {
      await refused.close();
    }
  });

  it('holds the audio until the server is ready when asked to, and keeps an idle socket alive', async () => {
    let frameBeforeReady = false;
    onConnection = (connection) => {
      connection.socket.send(JSON.stringify({ type: 'service_status', status: 'initiating' }));
      // Ready once the relay has had time to send, were it not waiting.
      setTimeout(() => {
        frameBeforeReady = connection.frames.length > 0;
        connection.socket.send(JSON.stringify({ type: 'service_status', status: 'ready' }));
      }, 100);
    };
    relay = new OmiRelay({ url: url(), credential: 'sk-test', pace: Infinity, awaitReady: true, keepAliveIntervalMs: 50 });
    const report = await relay.stream(audio);
    expect(frameBeforeReady).toBe(false);
    expect(report.framesSent).toBe(50);
    expect(report.events.map((event) => event.status)).toEqual(['initiating', 'ready']);
    // Nothing more to send: a one-byte keep-alive follows.
    await relay.waitFor(() => connections[0].frames.length === 51, 5000);
    expect(connections[0].frames[50]).toEqual(Buffer.from([0]));
  });

  it('passes only what survives the faulty link, each frame once', async () => {
    relay = new OmiRelay({ url: url(), credential: 'sk-test', pace: Infinity, faults: { loss: 0.1, duplicates: 0.1, reordering: 0.1 }, seed: 5 });
    const report = await relay.stream(audio);
    expect(report.faults.lost + report.faults.duplicated + report.faults.reordered).toBeGreaterThan(0);
    expect(report.framesSent).toBe(report.assembly.frames);
    expect(report.framesSent).toBeLessThan(50);
    await relay.waitFor(() => connections[0]?.frames.length === report.framesSent, 5000);
    expect(new Set(connections[0].frames.map((frame) => frame.toString('hex'))).size).toBe(report.framesSent);
  });
});
