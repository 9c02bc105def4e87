/**
 * @jest-environment ./services/edge-ingest/src/__fixtures__/native-typed-arrays-environment.js
 */
import WebSocket from 'ws';
import { configSchema, createLogger } from '@switchyard/shared';
import { joinAudio, silence, synthesizeSpeech } from '../../../../services/edge-ingest/src/__fixtures__/flite-speech';
import { opusPackets } from '../../../../services/edge-ingest/src/__fixtures__/opus-packets';
import { TranscriptionServer } from '../../../../services/edge-ingest/src/__fixtures__/transcription-server';
import { KAFKA_BROKERS, requireKafka } from '../../../../test/support/infrastructure';
import { waitFor } from '../../../../test/support/wait-for';
import { startEdgeIngestService, type EdgeIngestService } from './edge-ingest-service';

jest.setTimeout(120_000);

const ADMIN_TOKEN = 'edge-ingest-service-admin-token-0123456789';

/**
 * The `edge-ingest` role of distributed mode on its own port: the same
 * routes and checks as the gateway's, its events to real Kafka, its speech
 * to text at a loopback server speaking OpenAI's transcription format.
 */
describe('the edge-ingest service', () => {
  let transcriptions: TranscriptionServer | undefined;
  let service: EdgeIngestService | undefined;
  const sockets: WebSocket[] = [];

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.terminate();
    await service?.close();
    await transcriptions?.stop();
  });

  const connect = (key: string | undefined) => {
    const socket = new WebSocket(`${service!.url.replace(/^http/, 'ws')}/v4/listen?codec=opus&sample_rate=16000`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    sockets.push(socket);
    const messages: unknown[] = [];
    socket.on('message', (data) => messages.push(parse(data.toString())));
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    return { socket, messages, closed };
  };

  it('serves /v4/listen, health and metrics on edge.port, checking credentials as the gateway does', async () => {
    await requireKafka();
    transcriptions = await new TranscriptionServer(() => ({ status: 200, body: { task: 'transcribe', language: 'english', duration: 1, text: ' Hello there.', words: [] } })).start();
    const config = configSchema.parse({
      server: { host: '127.0.0.1' },
      providers: {},
      events: { kafka: { brokers: KAFKA_BROKERS, topicPrefix: `edge-ingest-service-${process.pid}.` }, lingerMs: 5 },
      edge: {
        port: 0,
        speech: { engine: 'gateway', gateway: { baseUrl: transcriptions.baseUrl } },
        conversations: { summary: { baseUrl: 'http://127.0.0.1:9' } },
      },
    });
    service = await startEdgeIngestService(config, createLogger('test', 'silent'), { adminToken: ADMIN_TOKEN });
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);

    const refused = connect('sk-sy-not-a-key-0123456789abcdef');
    expect(await refused.closed).toBe(1008);
    const anonymous = await fetch(`${service.url}/v1/sync-local-files`, { method: 'POST', body: new FormData() });
    expect([anonymous.status, ((await anonymous.json()) as { error: { code: string } }).error.code]).toEqual([401, 'invalid_api_key']);

    const stream = connect(ADMIN_TOKEN);
    await waitFor(() => stream.messages, (seen) => seen.some((message) => isRecord(message) && message.status === 'ready'), { timeoutMs: 60_000, what: 'the stream ready' });
    const speech = synthesizeSpeech('Hello there. The relay streams what the wearable hears.');
    for (const packet of opusPackets(joinAudio(silence(0.5, 16_000), speech.samples, silence(2, 16_000)))) stream.socket.send(packet);
    await waitFor(
      () => stream.messages.filter(Array.isArray) as { text: string }[][],
      (arrays) => arrays.some((segments) => segments.some((segment) => segment.text.includes('Hello there.'))),
      { timeoutMs: 60_000, what: 'a segment with the transcription' },
    );
    expect(transcriptions.received[0].authorization).toBe(`Bearer ${ADMIN_TOKEN}`);
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/switchyard_edge_streams_open 1/);
    expect(metrics).toMatch(/switchyard_edge_stream_closes_total\{code="1008"\} 1/);
  });

  it('refuses to start without the gateway address summaries go to', async () => {
    const config = configSchema.parse({ providers: {}, events: { kafka: { brokers: KAFKA_BROKERS } }, edge: { port: 0 } });
    await expect(startEdgeIngestService(config, createLogger('test', 'silent'))).rejects.toThrow('edge.conversations.summary.baseUrl');
  });
});

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
