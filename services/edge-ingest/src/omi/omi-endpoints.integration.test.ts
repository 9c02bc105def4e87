import pino from 'pino';
import WebSocket from 'ws';
import type { EventPublisher } from '@switchyard/events';
import { GatewayMetrics, startGatewayServer, type GatewayServer } from '@switchyard/gateway';
import { LocalProviderAdapterService } from '@switchyard/provider-adapters';
import { LocalRouterService } from '@switchyard/router';
import { configSchema, invalidApiKey, type KeyVerifier, type ObservabilityQueryService, type Principal } from '@switchyard/shared';
import { EnergyPipelines } from '../__fixtures__/energy-pipeline';
import { MemoryConversationTracker } from '../__fixtures__/memory-conversations';
import { opusPackets, tone } from '../__fixtures__/opus-packets';
import { OMI_CLOSE_CODES } from './close-codes';
import { EdgeIngestMetrics } from './edge-ingest-metrics';
import { createOmiEndpoints } from './omi-endpoints';

/**
 * Omi's `/v4/listen`, `/v4/web/listen` and `/v1/sync-local-files` on the
 * real gateway's port, over real sockets: what the app gets for good audio,
 * and the close code or counted drop for each kind of bad input, with the
 * service still serving the next client.
 */

const DEVELOPER_KEY = 'sk-sy-edge-developer-0123456789';
const VIEWER_KEY = 'sk-sy-edge-viewer-0123456789abc';
const CHAT_ONLY_KEY = 'sk-sy-edge-chat-only-0123456789';
const DOWN_KEY = 'sk-sy-edge-store-down-012345678';

const principal = (overrides: Partial<Principal>): Principal => ({
  kind: 'api_key',
  keyId: 'key_dev',
  subject: 'user-ada',
  organization: 'org_test',
  workspace: 'team-a',
  role: 'developer',
  readableWorkspaces: ['team-a'],
  actableWorkspaces: ['team-a'],
  scopes: {},
  ...overrides,
});

/** Keys as the auth service would resolve them; one whose store is down. */
const verifier: KeyVerifier = {
  verify: async (credential) => {
    if (credential === DEVELOPER_KEY) return principal({});
    if (credential === VIEWER_KEY) return principal({ keyId: 'key_viewer', subject: 'user-vic', role: 'viewer' });
    if (credential === CHAT_ONLY_KEY) return principal({ keyId: 'key_chat', scopes: { endpoints: ['chat.completions'] } });
    if (credential === DOWN_KEY) throw new Error(`connection refused looking up ${credential}`);
    throw invalidApiKey('The API key is not valid.');
  },
};

const noEvents: EventPublisher = { publish: () => undefined, close: async () => undefined };
const noRecords = {} as ObservabilityQueryService;

interface Client {
  socket: WebSocket;
  texts: string[];
  json: unknown[];
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves with the first message (parsed when JSON) that `match` accepts, or rejects when the socket closes first. */
  next<T = unknown>(match: (message: unknown) => boolean): Promise<T>;
}

describe('Omi edge routes on the gateway', () => {
  let gateway: GatewayServer | undefined;
  let tracker: MemoryConversationTracker;
  let pipelines: EnergyPipelines;
  const clients: WebSocket[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.terminate();
    await gateway?.close(100);
    gateway = undefined;
  });

  async function start(edge: Record<string, unknown> = {}, pipelineSettings: ConstructorParameters<typeof EnergyPipelines>[0] = {}): Promise<GatewayServer> {
    const config = configSchema.parse({
      server: { port: 0 },
      providers: { openai: { kind: 'openai', baseUrl: 'http://127.0.0.1:9/v1', models: ['*'] } },
      edge,
    });
    tracker = new MemoryConversationTracker();
    pipelines = new EnergyPipelines(pipelineSettings);
    const metrics = new GatewayMetrics();
    const logger = pino({ level: 'silent' });
    gateway = await startGatewayServer({
      config,
      router: new LocalRouterService(config),
      adapters: new LocalProviderAdapterService(config),
      events: noEvents,
      observability: noRecords,
      logger,
      metrics,
      adminToken: 'admin-token-for-edge-tests-0123456789',
      keyVerifier: verifier,
      edgeIngest: (authenticate) =>
        createOmiEndpoints({ config: config.edge, authenticate, tracker, pipelines: pipelines.factory, logger, metrics: new EdgeIngestMetrics(metrics.registry) }),
    });
    return gateway;
  }

  function connect(path: string, options: { key?: string; query?: string } = {}): Client {
    const url = `${gateway!.url.replace(/^http/, 'ws')}${path}${options.query === undefined ? '?codec=opus&sample_rate=16000&language=en' : options.query}`;
    const socket = new WebSocket(url, { headers: options.key ? { authorization: `Bearer ${options.key}` } : {} });
    clients.push(socket);
    const texts: string[] = [];
    const json: unknown[] = [];
    const waiters = new Set<{ match: (message: unknown) => boolean; resolve: (message: unknown) => void }>();
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = data.toString();
      texts.push(text);
      let message: unknown = text;
      try {
        message = JSON.parse(text);
        json.push(message);
      } catch {
        // `ping` is plain text.
      }
      for (const waiter of [...waiters]) {
        if (waiter.match(message)) {
          waiters.delete(waiter);
          waiter.resolve(message);
        }
      }
    });
    socket.on('error', () => undefined);
    const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    return {
      socket,
      texts,
      json,
      closed,
      next: <T,>(match: (message: unknown) => boolean) =>
        new Promise<T>((resolve, reject) => {
          const seen = [...texts].map((text) => parse(text)).find(match);
          if (seen !== undefined) return resolve(seen as T);
          waiters.add({ match, resolve: resolve as (message: unknown) => void });
          void closed.then(({ code }) => reject(new Error(`the socket closed (${code}) before the message came; got ${JSON.stringify(texts)}`)));
        }),
    };
  }

  const opened = (client: Client) => new Promise<void>((resolve, reject) => {
    client.socket.once('open', () => resolve());
    client.socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
  });
  const status = (value: string) => (message: unknown) => isRecord(message) && message.type === 'service_status' && message.status === value;
  const isSegments = (message: unknown) => Array.isArray(message) && message.length > 0;

  async function metric(name: string, labels: string): Promise<number> {
    const response = await fetch(`${gateway!.url}/metrics`, { headers: { authorization: 'Bearer admin-token-for-edge-tests-0123456789' } });
    const line = (await response.text()).split('\n').find((candidate) => candidate.startsWith(`${name}{`) && labels.split(',').every((label) => candidate.includes(label)));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  async function streamsStillWork(): Promise<void> {
    const client = connect('/v4/listen', { key: DEVELOPER_KEY });
    await client.next(status('ready'));
    for (const packet of opusPackets(tone(0.6))) client.socket.send(packet);
    const segments = await client.next<{ text: string }[]>(isSegments);
    expect(segments[0].text).toMatch(/^speech/);
    client.socket.close();
  }

  it('streams Opus packets of a key\'s user into the pipeline and answers with Omi\'s messages', async () => {
    await start();
    const client = connect('/v4/listen', { key: DEVELOPER_KEY, query: '?uid=someone-else&language=en&sample_rate=16000&codec=opus&include_speech_profile=true&conversation_timeout=120' });
    await client.next(status('ready'));
    expect(client.json.slice(0, 4)).toEqual([
      { type: 'service_status', status: 'initiating', status_text: 'Service starting' },
      { type: 'conversation_session', conversation_id: 'conv_1', resumed: false },
      { type: 'service_status', status: 'stt_initiating', status_text: 'Speech to text starting' },
      { type: 'service_status', status: 'ready', status_text: 'Ready' },
    ]);
    const packets = opusPackets(tone(1.2));
    for (const packet of packets) client.socket.send(packet);
    client.socket.send(Buffer.from([0x00]));
    const segments = await client.next<Record<string, unknown>[]>(isSegments);
    expect(Object.keys(segments[0]).sort()).toEqual(
      ['id', 'text', 'speaker', 'speaker_id', 'is_user', 'person_id', 'start', 'end', 'translations', 'speech_profile_processed', 'stt_provider'].sort(),
    );
    expect(await client.next((message) => isRecord(message) && message.type === 'voice_activity')).toEqual({ type: 'voice_activity', speaking: true, at: 0 });
    // The user comes from the key, never from the query's uid.
    expect(pipelines.started[0].options).toMatchObject({ owner: { uid: 'user-ada', workspace: 'team-a', keyId: 'key_dev', credential: DEVELOPER_KEY }, sampleRate: 16_000, language: 'en' });
    const pipeline = pipelines.started[0].pipeline;
    await waitUntil(() => pipeline.pushed === packets.length, 'every packet pushed');
    expect(pipeline.pushedSeconds).toBeCloseTo(1.2, 5);
    tracker.emit('conv_1', { type: 'memory_processing_started', memory: { id: 'conv_1' } as never });
    await client.next((message) => isRecord(message) && message.type === 'memory_processing_started');
    client.socket.close(1000);
    await client.closed;
    await waitUntil(() => pipeline.finished, 'the pipeline finished');
    expect(tracker.conversations[0].segments.size).toBe(1);
    expect(await metric('switchyard_edge_packets_total', 'codec="opus",outcome="decoded"')).toBe(packets.length);
    expect(await metric('switchyard_edge_packets_total', 'outcome="keepalive"')).toBe(1);
  });

  it('resumes the open conversation when the app reconnects, on its clock', async () => {
    await start();
    const first = connect('/v4/listen', { key: DEVELOPER_KEY });
    await first.next(status('ready'));
    const packets = opusPackets(tone(0.5));
    for (const packet of packets) first.socket.send(packet);
    await waitUntil(() => pipelines.started[0]?.pipeline.pushed === packets.length, 'the first stream\'s packets');
    first.socket.close();
    await first.closed;
    const second = connect('/v4/listen', { key: DEVELOPER_KEY });
    expect(await second.next((message) => isRecord(message) && message.type === 'conversation_session')).toEqual({ type: 'conversation_session', conversation_id: 'conv_1', resumed: true });
    await second.next(status('ready'));
    expect(pipelines.started[1].options.offsetSeconds).toBeCloseTo(0.5, 5);
  });

  it.each([
    ['no credential', undefined, OMI_CLOSE_CODES.policyViolation],
    ['an unknown key', 'sk-sy-not-a-key-0123456789abcdef', OMI_CLOSE_CODES.policyViolation],
    ['a viewer, who may not call models', VIEWER_KEY, OMI_CLOSE_CODES.policyViolation],
    ['a key scoped to chat only', CHAT_ONLY_KEY, OMI_CLOSE_CODES.policyViolation],
    ['a key whose store is down', DOWN_KEY, OMI_CLOSE_CODES.tryAgainLater],
  ])('closes a stream with %s (%s → %i) and keeps serving', async (_name, key, code) => {
    await start();
    const client = connect('/v4/listen', { key });
    const closed = await client.closed;
    expect(closed.code).toBe(code);
    // The reason never repeats the credential.
    expect(closed.reason).not.toContain('sk-sy');
    expect(pipelines.started).toHaveLength(0);
    await streamsStillWork();
  });

  it.each([
    ['aac, which Omi lists but this service does not decode', '?codec=aac&sample_rate=16000', /aac is not supported/],
    ['lc3_fs1030', '?codec=lc3_fs1030', /lc3_fs1030 is not supported/],
    ['an unknown codec', '?codec=mp3', /Unknown codec/],
    ['a sample rate the codec does not have', '?codec=opus&sample_rate=44100', /16000 Hz/],
    ['an unsupported language', '?codec=opus&language=english%20please', /Unsupported language/],
    ['a conversation_timeout that is not a number', '?codec=opus&conversation_timeout=soon', /conversation_timeout/],
  ])('closes a stream asking for %s with 1008 and a reason', async (_name, query, reason) => {
    await start();
    const client = connect('/v4/listen', { key: DEVELOPER_KEY, query });
    const closed = await client.closed;
    expect(closed).toEqual({ code: OMI_CLOSE_CODES.policyViolation, reason: expect.stringMatching(reason) });
    await streamsStillWork();
  });

  it('takes Omi\'s defaults when the query is empty: pcm8 at 8 kHz, English, a 120 s timeout', async () => {
    await start();
    const client = connect('/v4/listen', { key: DEVELOPER_KEY, query: '' });
    await client.next(status('ready'));
    client.socket.send(Buffer.from(new Int16Array(800).fill(4_000).buffer));
    await waitUntil(() => pipelines.started[0]?.pipeline.pushed === 1, 'the PCM chunk pushed');
    expect(pipelines.started[0].options).toMatchObject({ sampleRate: 8_000, language: 'en' });
    expect(pipelines.started[0].pipeline.pushedSeconds).toBeCloseTo(0.1, 5);
  });

  it('counts garbage frames, tells the client when they are many, and closes with 1003 when nothing decodes', async () => {
    await start({ maxConsecutiveUndecodable: 40 });
    const client = connect('/v4/listen', { key: DEVELOPER_KEY });
    await client.next(status('ready'));
    const garbage = Buffer.from([0x03, 0x00, 0xde, 0xad]);
    for (let index = 0; index < 20; index++) client.socket.send(garbage);
    expect(await client.next(status('audio_undecodable'))).toEqual({
      type: 'service_status',
      status: 'audio_undecodable',
      status_text: '10 of the last 10 packets were not opus audio.',
    });
    // Good audio between bad packets is still decoded.
    for (const packet of opusPackets(tone(0.1))) client.socket.send(packet);
    for (let index = 0; index < 40; index++) client.socket.send(garbage);
    expect((await client.closed).code).toBe(OMI_CLOSE_CODES.unsupportedData);
    expect(pipelines.started[0].pipeline.pushed).toBe(10);
    expect(await metric('switchyard_edge_packets_total', 'outcome="undecodable"')).toBe(60);
    expect(await metric('switchyard_edge_dropped_clients_total', 'reason="too_many_undecodable"')).toBe(1);
    await streamsStillWork();
  });

  it('closes a stream that sends a message over edge.maxMessageBytes with 1009', async () => {
    await start({ maxMessageBytes: 1_024 });
    const client = connect('/v4/listen', { key: DEVELOPER_KEY });
    await client.next(status('ready'));
    client.socket.send(Buffer.alloc(4_096, 7));
    expect((await client.closed).code).toBe(OMI_CLOSE_CODES.messageTooBig);
    await streamsStillWork();
  });

  it('sends the text ping and closes an idle stream with 1001', async () => {
    await start({ pingIntervalSeconds: 0.1, idleTimeoutSeconds: 0.6 });
    const client = connect('/v4/listen', { key: DEVELOPER_KEY });
    expect(await client.next((message) => message === 'ping')).toBe('ping');
    expect((await client.closed).code).toBe(OMI_CLOSE_CODES.goingAway);
    expect(await metric('switchyard_edge_stream_closes_total', 'code="1001"')).toBe(1);
  });

  it('drops a client that never reads, counted, and serves the next one', async () => {
    await start({ maxBufferedBytes: 64 * 1024 }, { padding: 16 * 1024 });
    const client = connect('/v4/listen', { key: DEVELOPER_KEY });
    await client.next(status('ready'));
    // The client stops reading: what the server sends piles up in its socket.
    (client.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const packets = opusPackets(tone(0.5));
    await waitUntil(
      async () => {
        for (let round = 0; round < 10; round++) for (const packet of packets) client.socket.send(packet);
        return (await metric('switchyard_edge_dropped_clients_total', 'reason="slow_reader"')) === 1;
      },
      'the slow reader dropped',
    );
    await streamsStillWork();
  });

  it('reports a speech-to-text failure as stt_failed and closes with 1011', async () => {
    await start();
    const client = connect('/v4/listen', { key: DEVELOPER_KEY });
    await client.next(status('ready'));
    pipelines.started[0].pipeline.fail();
    await client.next(status('stt_failed'));
    expect((await client.closed).code).toBe(OMI_CLOSE_CODES.serverError);
    await streamsStillWork();
  });

  it('sheds audio the pipeline cannot take, counted and told to the client', async () => {
    await start({}, { capacity: 5, draining: false });
    const client = connect('/v4/listen', { key: DEVELOPER_KEY });
    await client.next(status('ready'));
    for (const packet of opusPackets(tone(0.2))) client.socket.send(packet);
    expect(await client.next(status('audio_shed'))).toMatchObject({ status_text: 'Speech processing is behind; audio is dropped.' });
    await waitUntil(async () => (await metric('switchyard_edge_packets_total', 'outcome="shed_pipeline"')) === 15, '15 packets shed');
  });

  it('refuses new streams past edge.maxStreams with 1013', async () => {
    await start({ maxStreams: 1 });
    const first = connect('/v4/listen', { key: DEVELOPER_KEY });
    await first.next(status('ready'));
    const second = connect('/v4/listen', { key: DEVELOPER_KEY });
    expect((await second.closed).code).toBe(OMI_CLOSE_CODES.tryAgainLater);
    first.socket.close();
    await first.closed;
    await waitUntil(async () => (await metric('switchyard_edge_streams_open', '')) === 0, 'the first stream gone');
    await streamsStillWork();
  });

  describe('/v4/web/listen', () => {
    it('authenticates with the first message and then streams', async () => {
      await start();
      const client = connect('/v4/web/listen');
      await opened(client);
      client.socket.send(JSON.stringify({ type: 'auth', token: DEVELOPER_KEY }));
      expect(await client.next((message) => isRecord(message) && message.type === 'auth_response')).toEqual({ type: 'auth_response', success: true });
      await client.next(status('ready'));
      for (const packet of opusPackets(tone(0.6))) client.socket.send(packet);
      await client.next(isSegments);
    });

    it.each([
      ['a bad token', JSON.stringify({ type: 'auth', token: 'sk-sy-wrong-0123456789abcdef' })],
      ['a first message that is not auth', JSON.stringify({ type: 'hello' })],
      ['a first message that is not JSON', 'hello'],
    ])('answers %s with success false and closes with 1008', async (_name, first) => {
      await start();
      const client = connect('/v4/web/listen');
      await opened(client);
      client.socket.send(first);
      expect((await client.closed).code).toBe(OMI_CLOSE_CODES.policyViolation);
      expect(client.json).toContainEqual({ type: 'auth_response', success: false });
    });

    it('closes a stream that does not authenticate in time with 1008', async () => {
      await start({ authTimeoutSeconds: 0.2 });
      const client = connect('/v4/web/listen');
      expect((await client.closed).code).toBe(OMI_CLOSE_CODES.policyViolation);
    });
  });

  it('answers an upgrade to a path no one serves with a 404, and still serves the live tail', async () => {
    await start();
    const stray = connect('/v4/elsewhere');
    await expect(opened(stray)).rejects.toThrow('upgrade refused: 404');
    const tail = new WebSocket(`${gateway!.url.replace(/^http/, 'ws')}/v1/requests/live`);
    clients.push(tail);
    await new Promise((resolve) => tail.once('open', resolve));
    tail.send(JSON.stringify({ type: 'auth', key: DEVELOPER_KEY }));
    const ready = await new Promise<string>((resolve) => tail.once('message', (data) => resolve(data.toString())));
    expect(JSON.parse(ready)).toEqual({ type: 'ready', workspaces: ['team-a'] });
  });

  describe('POST /v1/sync-local-files', () => {
    const file = (frames: Buffer[]) => Buffer.concat(frames.flatMap((frame) => [lengthPrefix(frame.length), frame]));
    const upload = (files: { name: string; data: Buffer }[], key: string | null = DEVELOPER_KEY, field = 'files') => {
      const form = new FormData();
      for (const { name, data } of files) form.append(field, new Blob([data]), name);
      return fetch(`${gateway!.url}/v1/sync-local-files`, { method: 'POST', body: form, headers: key ? { authorization: `Bearer ${key}` } : {} });
    };

    it('runs each file\'s frames through the pipeline, in a conversation started at the file\'s time', async () => {
      await start();
      const packets = opusPackets(tone(0.5));
      const response = await upload([
        { name: 'audio_omi_1733400000.bin', data: file(packets) },
        { name: 'audio_omi_1733400600.bin', data: Buffer.concat([file([...packets.slice(0, 10), Buffer.from([0x03, 0x00])]), Buffer.from([9, 0, 0])]) },
      ]);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        conversation_ids: ['conv_1', 'conv_2'],
        files: [
          { name: 'audio_omi_1733400000.bin', frames: 50, undecodable: 0, shed: 0, conversation_id: 'conv_1' },
          { name: 'audio_omi_1733400600.bin', frames: 11, undecodable: 2, shed: 0, conversation_id: 'conv_2' },
        ],
      });
      expect(tracker.conversations.map((conversation) => [conversation.source, conversation.startedAt?.toISOString(), Math.round(conversation.audioSeconds * 1000)])).toEqual([
        ['sync', '2024-12-05T12:00:00.000Z', 500],
        ['sync', '2024-12-05T12:10:00.000Z', 100],
      ]);
      expect(pipelines.started.map(({ pipeline }) => pipeline.finished)).toEqual([true, true]);
      expect(tracker.conversations[0].segments.size).toBe(1);
    });

    it.each([
      ['a file not named *_<unix seconds>.bin', [{ name: 'recording.wav', data: Buffer.from([1, 0, 0, 0, 1]) }], 'files', 'invalid_file_name'],
      ['no files field', [{ name: 'a_1733400000.bin', data: Buffer.from([1, 0, 0, 0, 1]) }], 'other', 'missing_files'],
    ])('answers %s with a 400 in OpenAI\'s shape', async (_name, files, field, code) => {
      await start();
      const response = await upload(files, DEVELOPER_KEY, field);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param: 'files', code } });
    });

    it('answers a body that is not multipart, one too large, and one without a key', async () => {
      await start({ sync: { maxBodyBytes: 1_024 } });
      const json = await fetch(`${gateway!.url}/v1/sync-local-files`, { method: 'POST', body: '{}', headers: { authorization: `Bearer ${DEVELOPER_KEY}`, 'content-type': 'application/json' } });
      expect([json.status, ((await json.json()) as { error: { code: string } }).error.code]).toEqual([400, 'invalid_content_type']);
      const large = await upload([{ name: 'a_1733400000.bin', data: Buffer.alloc(4_096) }]);
      expect([large.status, ((await large.json()) as { error: { code: string } }).error.code]).toEqual([413, 'request_too_large']);
      const anonymous = await upload([{ name: 'a_1733400000.bin', data: Buffer.alloc(8) }], null);
      expect(anonymous.status).toBe(401);
      const viewer = await upload([{ name: 'a_1733400000.bin', data: Buffer.alloc(8) }], VIEWER_KEY);
      expect(viewer.status).toBe(403);
      expect(pipelines.started).toHaveLength(0);
    });
  });
});

function lengthPrefix(length: number): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32LE(length);
  return prefix;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Polls a condition with a deadline; never a fixed wait for an outcome. */
async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
