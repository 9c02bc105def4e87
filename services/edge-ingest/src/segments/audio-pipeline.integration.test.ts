/**
 * @jest-environment ./services/edge-ingest/src/__fixtures__/native-typed-arrays-environment.js
 */
import { edgeSpeechConfigSchema, type EdgeSpeechConfig } from '@switchyard/shared';
import {
  SpeechToTextUnavailable,
  type AudioPipeline,
  type SpeechAudio,
  type SpeechToText,
  type StreamOwner,
  type Transcription,
  type TranscriptSegment,
} from '../contracts';
import { joinAudio, silence, synthesizeSpeech, whiteNoise } from '../__fixtures__/flite-speech';
import { readWav } from '../__fixtures__/wav-file';
import { openAiError, TranscriptionServer, type TranscriptionAnswer } from '../__fixtures__/transcription-server';
import { GatewaySpeechToText } from '../stt';
import { loadSileroVad, type VoiceActivityModel } from '../vad';
import { createAudioPipelineCounters, createAudioPipelineFactory, type AudioPipelineCounters } from '.';

const owner: StreamOwner = { workspace: 'default', uid: 'user-1', keyId: 'key-1', credential: 'sk-stream-1' };
const RATE = 16_000;

/**
 * What the loopback transcription server "hears": the stretch of the WAV
 * above a loudness floor, answered in verbose_json as one word with those
 * timings and a text that says how long the audio was, so a growing
 * utterance gives a growing text.
 */
function hearLoudness(file: Uint8Array): TranscriptionAnswer {
  const { samples, sampleRate } = readWav(file);
  let first = -1;
  let last = -1;
  samples.forEach((sample, index) => {
    if (Math.abs(sample) > 800) {
      if (first < 0) first = index;
      last = index;
    }
  });
  const duration = samples.length / sampleRate;
  if (first < 0) return { status: 200, body: { task: 'transcribe', language: 'english', duration, text: '', words: [], segments: [] } };
  const start = first / sampleRate;
  const end = (last + 1) / sampleRate;
  const text = `audio of ${duration.toFixed(2)} seconds`;
  return { status: 200, body: { task: 'transcribe', language: 'english', duration, text, words: [{ word: 'audio', start, end }], segments: [] } };
}

/** The real gateway engine, counting the calls it starts and ends, so a test can wait until it is idle. */
class CountingSpeechToText implements SpeechToText {
  started = 0;
  settled = 0;
  constructor(private readonly inner: SpeechToText) {}
  get id() {
    return this.inner.id;
  }
  async transcribe(audio: SpeechAudio, streamOwner: StreamOwner, signal?: AbortSignal): Promise<Transcription> {
    this.started++;
    try {
      return await this.inner.transcribe(audio, streamOwner, signal);
    } finally {
      this.settled++;
    }
  }
  close() {
    return this.inner.close();
  }
}

interface Recorded {
  updates: TranscriptSegment[];
  activity: { speaking: boolean; atSeconds: number }[];
  failures: Error[];
}

describe('the audio pipeline: Silero VAD → utterances → speech to text through the gateway', () => {
  let model: VoiceActivityModel;
  let server: TranscriptionServer | undefined;
  const pipelines: AudioPipeline[] = [];
  let sentence: Int16Array;
  let shortSentence: Int16Array;

  beforeAll(async () => {
    model = await loadSileroVad();
    sentence = synthesizeSpeech('The quick brown fox jumps over the lazy dog near the river bank.').samples;
    shortSentence = synthesizeSpeech('Remind me to call Anna tomorrow.').samples;
  });
  afterAll(async () => {
    await model?.close();
  });
  afterEach(async () => {
    await Promise.all(pipelines.splice(0).map((pipeline) => pipeline.close()));
    await server?.stop();
    server = undefined;
  });

  async function setUp(answer: (file: Uint8Array) => TranscriptionAnswer, overrides: Record<string, unknown> = {}) {
    server = await new TranscriptionServer((request) => answer(request.file!.bytes)).start();
    const config: EdgeSpeechConfig = edgeSpeechConfigSchema.parse({ engine: 'gateway', ...overrides });
    const speechToText = new CountingSpeechToText(
      new GatewaySpeechToText({ baseUrl: server.baseUrl, model: 'whisper-1', responseFormat: 'verbose_json', timeoutMs: 10_000, retries: 0 }),
    );
    const counters = createAudioPipelineCounters();
    const factory = createAudioPipelineFactory(config, { speechToText, voiceActivity: model, counters });
    const recorded: Recorded = { updates: [], activity: [], failures: [] };
    const open = (sampleRate: number, offsetSeconds: number) => {
      const pipeline = factory(
        { owner, conversationId: 'conversation-1', language: 'en', sampleRate, offsetSeconds },
        {
          segments: (updated) => recorded.updates.push(...updated),
          voiceActivity: (speaking, atSeconds) => recorded.activity.push({ speaking, atSeconds }),
          failed: (error) => recorded.failures.push(error),
        },
      );
      pipelines.push(pipeline);
      return pipeline;
    };
    return { open, recorded, counters, speechToText };
  }

  /**
   * Streams audio in 10 ms packets as a device does; every 100 ms it lets
   * detection catch up with what was pushed and speech to text finish what it
   * started, so partials come as they would in real time.
   */
  async function stream(
    pipeline: AudioPipeline,
    audio: Int16Array,
    sampleRate: number,
    offsetSeconds: number,
    engines: { counters: AudioPipelineCounters; speechToText: CountingSpeechToText },
  ): Promise<void> {
    const packet = sampleRate / 100;
    const windowsBefore = engines.counters.vadWindows;
    for (let offset = 0; offset < audio.length; offset += packet) {
      expect(pipeline.push(audio.subarray(offset, offset + packet), offsetSeconds + offset / sampleRate)).toBe(true);
      if ((offset / packet) % 10 !== 9) continue;
      const windows = Math.floor(((offset + packet) * (RATE / sampleRate) - 1) / 512);
      await waitFor(
        () => engines.counters.vadWindows - windowsBefore >= windows && engines.speechToText.started === engines.speechToText.settled,
      ).catch((error) => {
        throw new Error(
          `${error.message} ${JSON.stringify({ offset, windows, counters: engines.counters, started: engines.speechToText.started, settled: engines.speechToText.settled })}`,
        );
      });
    }
  }

  it('turns two spoken sentences into two segments that grow under one id each, on the conversation’s clock', async () => {
    const { open, recorded, counters, speechToText } = await setUp(hearLoudness);
    const audio = joinAudio(silence(1, RATE), sentence, silence(2, RATE), shortSentence, silence(1.5, RATE));
    const firstEnd = 1 + sentence.length / RATE;
    const secondStart = firstEnd + 2;
    const secondEnd = secondStart + shortSentence.length / RATE;
    // A resumed conversation: this stream starts 100 s into it.
    const pipeline = open(RATE, 100);
    await stream(pipeline, audio, RATE, 100, { counters, speechToText });
    await pipeline.finish();

    expect(recorded.failures).toEqual([]);
    expect(counters.vadWindows).toBe(Math.floor(audio.length / 512));
    const ids = [...new Set(recorded.updates.map((segment) => segment.id))];
    expect(ids).toHaveLength(2);
    const [first, second] = ids.map((id) => recorded.updates.filter((segment) => segment.id === id));
    // The sentence (about 4 s) was sent again as it grew, about every 0.6 s of audio, then a last time.
    expect(first.length).toBeGreaterThanOrEqual(4);
    const lengths = first.map((segment) => Number(/audio of ([\d.]+) seconds/.exec(segment.text)![1]));
    const partials = lengths.slice(0, -1);
    expect(partials).toEqual([...partials].sort((a, b) => a - b));
    expect(new Set(partials).size).toBe(partials.length);
    // About every 0.6 s of audio (in whole 32 ms windows).
    for (let index = 1; index < partials.length; index++) expect(partials[index] - partials[index - 1]).toBeCloseTo(0.61, 1);

    const last = (updates: TranscriptSegment[]) => updates[updates.length - 1];
    expect(last(first)).toEqual({
      id: ids[0],
      text: expect.stringMatching(/^audio of [\d.]+ seconds$/),
      speaker: 'SPEAKER_00',
      speaker_id: 0,
      is_user: false,
      person_id: null,
      start: expect.any(Number),
      end: expect.any(Number),
      translations: [],
      speech_profile_processed: true,
      stt_provider: 'switchyard',
    });
    // Where the speech is, within 0.1 s (flite's own leading and trailing quiet counts as silence).
    expect(last(first).start).toBeGreaterThan(100 + 1 - 0.1);
    expect(last(first).start).toBeLessThan(100 + 1 + 0.3);
    expect(last(first).end).toBeGreaterThan(100 + firstEnd - 0.4);
    expect(last(first).end).toBeLessThan(100 + firstEnd + 0.1);
    expect(last(second).start).toBeGreaterThan(100 + secondStart - 0.1);
    expect(last(second).end).toBeLessThan(100 + secondEnd + 0.1);
    // The final holds the whole utterance: pre-roll, speech and a short tail, not the silence after it.
    const finalSeconds = Number(/audio of ([\d.]+) seconds/.exec(last(first).text)![1]);
    expect(finalSeconds).toBeGreaterThan(sentence.length / RATE - 0.3);
    expect(finalSeconds).toBeLessThan(sentence.length / RATE + 0.3 + 0.5);

    // Voice activity on at the first speech; the 2 s pause is within the 4 s hangover; off at the end.
    expect(recorded.activity).toHaveLength(2);
    expect(recorded.activity[0].speaking).toBe(true);
    expect(recorded.activity[0].atSeconds).toBeCloseTo(101, 0);
    expect(recorded.activity[1]).toEqual({ speaking: false, atSeconds: expect.any(Number) });
    expect(recorded.activity[1].atSeconds).toBeGreaterThan(100 + secondEnd - 0.5);
    expect(server!.received.every((request) => request.authorization === 'Bearer sk-stream-1')).toBe(true);
    expect(counters.streams).toBe(0);
  });

  it('reports voice activity off after the hangover of silence, so a relay may stop sending, and on again at speech', async () => {
    const { open, recorded } = await setUp(hearLoudness);
    const pipeline = open(RATE, 0);
    const firstEnd = 0.5 + shortSentence.length / RATE;
    const secondStart = firstEnd + 5;
    expect(pipeline.push(joinAudio(silence(0.5, RATE), shortSentence, silence(5, RATE), shortSentence, silence(0.5, RATE)), 0)).toBe(true);
    await pipeline.finish();

    expect(recorded.activity.map((change) => change.speaking)).toEqual([true, false, true, false]);
    const [on, off, onAgain] = recorded.activity;
    expect(on.atSeconds).toBeGreaterThan(0.4);
    expect(on.atSeconds).toBeLessThan(0.8);
    // 4 s (Omi's hangover) after the last speech window of the first sentence.
    expect(off.atSeconds).toBeGreaterThan(firstEnd + 4 - 0.5);
    expect(off.atSeconds).toBeLessThan(firstEnd + 4 + 0.1);
    expect(onAgain.atSeconds).toBeGreaterThan(secondStart - 0.1);
    expect(onAgain.atSeconds).toBeLessThan(secondStart + 0.3);
    expect(new Set(recorded.updates.map((segment) => segment.id)).size).toBe(2);
  });

  it('brings an 8 kHz stream (Omi’s pcm8) to 16 kHz for detection and speech to text', async () => {
    const { open, recorded, counters, speechToText } = await setUp(hearLoudness);
    const audio = joinAudio(silence(0.5, RATE), shortSentence, silence(1, RATE));
    const narrow = audio.filter((_, index) => index % 2 === 0);
    const pipeline = open(8000, 0);
    await stream(pipeline, narrow, 8000, 0, { counters, speechToText });
    await pipeline.finish();

    const finals = new Map(recorded.updates.map((segment) => [segment.id, segment]));
    expect(finals.size).toBe(1);
    const [segment] = finals.values();
    expect(segment.start).toBeGreaterThan(0.4);
    expect(segment.end).toBeLessThan(0.5 + shortSentence.length / RATE + 0.1);
    expect(server!.received.map((request) => readWav(request.file!.bytes).sampleRate)).toEqual(server!.received.map(() => RATE));
  });

  it('sends nothing to speech to text for silence and noise', async () => {
    const { open, recorded, counters } = await setUp(hearLoudness);
    const pipeline = open(RATE, 0);
    expect(pipeline.push(joinAudio(silence(1, RATE), whiteNoise(2, RATE, 3000), silence(1, RATE)), 0)).toBe(true);
    await pipeline.finish();
    expect(recorded.updates).toEqual([]);
    expect(recorded.activity).toEqual([]);
    expect(server!.received).toEqual([]);
    expect(counters.vadWindows).toBe(Math.floor((4 * RATE) / 512));
  });

  it('sheds what does not fit in the stream’s queue, counted, and still transcribes what it took', async () => {
    const { open, recorded, counters } = await setUp(hearLoudness, { queueSeconds: 5 });
    const pipeline = open(RATE, 0);
    const audio = joinAudio(silence(0.5, RATE), shortSentence, silence(1, RATE));
    const accepted = [pipeline.push(audio, 0)];
    // Pushed in the same turn: detection has not run yet, so these wait in the queue.
    for (let second = 0; second < 8; second++) accepted.push(pipeline.push(silence(1, RATE), 10 + second));
    const refused = accepted.filter((ok) => !ok).length;
    expect(refused).toBeGreaterThan(0);
    expect(counters.shedPushes).toBe(refused);
    expect(counters.shedSeconds).toBeCloseTo(refused, 6);
    await pipeline.finish();
    expect(new Set(recorded.updates.map((segment) => segment.id)).size).toBe(1);
    expect(pipeline.push(silence(0.1, RATE), 30)).toBe(false);
  });

  it('reports a speech-to-text engine that is gone once, and stops', async () => {
    const { open, recorded, counters } = await setUp(() => ({
      status: 401,
      body: openAiError('Invalid API key.', 'authentication_error', 'invalid_api_key'),
    }));
    const pipeline = open(RATE, 0);
    pipeline.push(joinAudio(silence(0.5, RATE), sentence, silence(1, RATE)), 0);
    await waitFor(() => recorded.failures.length > 0);
    await pipeline.finish();
    expect(recorded.failures).toHaveLength(1);
    expect(recorded.failures[0]).toBeInstanceOf(SpeechToTextUnavailable);
    expect(recorded.failures[0].message).toBe('the gateway answered 401 to a transcription: Invalid API key.');
    expect(recorded.updates).toEqual([]);
    expect(counters.transcriptionFailures).toBe(1);
    expect(pipeline.push(silence(0.1, RATE), 10)).toBe(false);
  });

  it('closes at once with a transcription in flight, reporting nothing after', async () => {
    const { open, recorded, speechToText } = await setUp(() => 'hang');
    const pipeline = open(RATE, 0);
    pipeline.push(joinAudio(silence(0.5, RATE), sentence), 0);
    await waitFor(() => speechToText.started > 0 && server!.received.length > 0);
    await pipeline.close();
    await waitFor(() => speechToText.settled === speechToText.started);
    expect(recorded.failures).toEqual([]);
    expect(recorded.updates).toEqual([]);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
