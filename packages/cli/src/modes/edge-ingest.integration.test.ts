/**
 * @jest-environment ./services/edge-ingest/src/__fixtures__/native-typed-arrays-environment.js
 */
import WebSocket from 'ws';
import { configSchema, createLogger } from '@switchyard/shared';
import { synthesizeSpeech, silence, joinAudio } from '../../../../services/edge-ingest/src/__fixtures__/flite-speech';
import { opusPackets } from '../../../../services/edge-ingest/src/__fixtures__/opus-packets';
import { TranscriptionServer } from '../../../../services/edge-ingest/src/__fixtures__/transcription-server';
import { waitFor } from '../../../../test/support/wait-for';
import { startEmbedded, type EmbeddedGateway } from './embedded';

jest.setTimeout(120_000);

/**
 * One process, as `switchyard start` wires it: Omi's `/v4/listen` on the
 * gateway's own port, real speech (flite `slt`) as the Dev Kit's Opus
 * packets, through the real pipeline (Silero VAD, cloud speech to text at a
 * loopback server speaking OpenAI's transcription format) and the real
 * conversation tracker, whose conversation `/v1/conversations` then lists.
 */
describe('edge ingest in one process', () => {
  let transcriptions: TranscriptionServer | undefined;
  let gateway: EmbeddedGateway | undefined;
  let socket: WebSocket | undefined;

  afterEach(async () => {
    socket?.terminate();
    await gateway?.close(100);
    await transcriptions?.stop();
  });

  it('streams Opus speech over /v4/listen into segments and a stored conversation', async () => {
    transcriptions = await new TranscriptionServer(() => ({
      status: 200,
      body: { task: 'transcribe', language: 'english', duration: 1.5, text: ' Hello there.', words: [{ word: 'Hello', start: 0.1, end: 0.4 }, { word: 'there', start: 0.4, end: 0.8 }] },
    })).start();
    const config = configSchema.parse({
      server: { host: '127.0.0.1', port: 0 },
      providers: { openai: { kind: 'openai', baseUrl: 'http://127.0.0.1:9/v1', models: ['*'] } },
      events: { lingerMs: 5 },
      observability: { dataDirectory: 'memory://' },
      edge: { speech: { engine: 'gateway', gateway: { baseUrl: transcriptions.baseUrl } } },
    });
    gateway = await startEmbedded(config, createLogger('test', 'silent'));
    const speech = synthesizeSpeech('Hello there. The relay streams what the wearable hears.');
    expect(speech.sampleRate).toBe(16_000);
    const packets = opusPackets(joinAudio(silence(0.5, 16_000), speech.samples, silence(2, 16_000)));

    const messages: unknown[] = [];
    socket = new WebSocket(`${gateway.url.replace(/^http/, 'ws')}/v4/listen?uid=ignored&language=en&sample_rate=16000&codec=opus`);
    socket.on('message', (data) => messages.push(parse(data.toString())));
    await new Promise((resolve, reject) => {
      socket!.once('open', resolve);
      socket!.once('error', reject);
    });
    await waitFor(() => messages, (seen) => seen.some((message) => isRecord(message) && message.status === 'ready'), { timeoutMs: 60_000, what: 'the stream ready' });
    for (const packet of packets) socket.send(packet);

    const withSegments = await waitFor(
      () => messages.filter((message): message is { id: string; text: string }[] => Array.isArray(message)),
      (arrays) => arrays.some((segments) => segments.some((segment) => segment.text.includes('Hello there.'))),
      { timeoutMs: 60_000, what: 'a segment with the transcription' },
    );
    expect(withSegments.flat()[0]).toMatchObject({ speaker: 'SPEAKER_00', stt_provider: expect.any(String), start: expect.any(Number), end: expect.any(Number) });
    expect(messages).toContainEqual({ type: 'voice_activity', speaking: true, at: expect.any(Number) });
    const session = messages.find((message) => isRecord(message) && message.type === 'conversation_session') as { conversation_id: string };

    const listed = await waitFor(
      async () => ((await (await fetch(`${gateway!.url}/v1/conversations`)).json()) as { data: { id: string }[] }).data,
      (conversations) => conversations.some((conversation) => conversation.id === session.conversation_id),
      { timeoutMs: 30_000, what: 'the conversation listed' },
    );
    expect(listed.map((conversation) => conversation.id)).toContain(session.conversation_id);
    expect(transcriptions.received.length).toBeGreaterThan(0);
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
