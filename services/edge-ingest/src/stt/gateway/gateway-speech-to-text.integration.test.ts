import { createServer } from 'node:net';
import { edgeSpeechConfigSchema } from '@switchyard/shared';
import { SpeechToTextUnavailable, type StreamOwner } from '../../contracts';
import { readWav } from '../../__fixtures__/wav-file';
import { openAiError, TranscriptionServer, type TranscriptionAnswer } from '../../__fixtures__/transcription-server';
import { createSpeechToText } from '..';
import { GatewaySpeechToText, type GatewaySpeechToTextOptions } from './gateway-speech-to-text';

const owner: StreamOwner = { workspace: 'default', uid: 'user-1', keyId: 'key-1', credential: 'sk-stream-secret-1234' };
const samples = Int16Array.from({ length: 8000 }, (_, index) => Math.round(8000 * Math.sin(index / 5)));
const audio = { samples, sampleRate: 16_000, language: 'en-US' };

/** whisper-1's verbose_json with word and segment timings, as OpenAI answers it. */
const verboseAnswer = {
  task: 'transcribe',
  language: 'english',
  duration: 0.5,
  text: ' Hello there.',
  words: [
    { word: 'Hello', start: 0.08, end: 0.3 },
    { word: 'there', start: 0.3, end: 0.46 },
  ],
  segments: [
    {
      id: 0,
      seek: 0,
      start: 0.0,
      end: 0.5,
      text: ' Hello there.',
      tokens: [50364, 2425, 456, 13, 50389],
      temperature: 0,
      avg_logprob: -0.21,
      compression_ratio: 0.7,
      no_speech_prob: 0.01,
    },
  ],
  usage: { type: 'duration', seconds: 1 },
};

describe('GatewaySpeechToText against a server speaking OpenAI’s transcription format', () => {
  let server: TranscriptionServer;
  const engines: GatewaySpeechToText[] = [];

  async function start(
    answer: (index: number) => TranscriptionAnswer,
    options: Partial<GatewaySpeechToTextOptions> = {},
  ): Promise<GatewaySpeechToText> {
    server = await new TranscriptionServer((_, index) => answer(index)).start();
    const engine = new GatewaySpeechToText({
      baseUrl: server.baseUrl,
      model: 'whisper-1',
      responseFormat: 'verbose_json',
      timeoutMs: 10_000,
      retries: 2,
      ...options,
    });
    engines.push(engine);
    return engine;
  }

  afterEach(async () => {
    await Promise.all(engines.splice(0).map((engine) => engine.close()));
    await server?.stop();
  });

  it('sends the utterance as a WAV file with the stream’s key and reads verbose_json’s words', async () => {
    const engine = await start(() => ({ status: 200, body: verboseAnswer }));
    const transcription = await engine.transcribe(audio, owner);

    expect(transcription).toEqual({
      text: 'Hello there.',
      words: [
        { word: 'Hello', start: 0.08, end: 0.3 },
        { word: 'there', start: 0.3, end: 0.46 },
      ],
    });
    const [received] = server.received;
    expect(received.authorization).toBe('Bearer sk-stream-secret-1234');
    expect(received.fields).toEqual({
      model: ['whisper-1'],
      response_format: ['verbose_json'],
      language: ['en'],
      'timestamp_granularities[]': ['word', 'segment'],
    });
    expect(received.file).toMatchObject({ name: 'utterance.wav', type: 'audio/wav' });
    const wav = readWav(received.file!.bytes);
    expect(wav).toMatchObject({ sampleRate: 16_000, channels: 1 });
    expect(Array.from(wav.samples)).toEqual(Array.from(samples));
  });

  it('takes segment timings when a model gives no words, and plain json where it is configured', async () => {
    const engine = await start((index) =>
      index === 0
        ? { status: 200, body: { ...verboseAnswer, words: undefined } }
        : { status: 200, body: { text: 'Hello there.', usage: { type: 'tokens', input_tokens: 14, output_tokens: 3, total_tokens: 17 } } },
    );
    expect(await engine.transcribe(audio, owner)).toEqual({ text: 'Hello there.', words: [{ word: 'Hello there.', start: 0, end: 0.5 }] });

    const jsonEngine = new GatewaySpeechToText({
      baseUrl: server.baseUrl,
      model: 'gpt-4o-transcribe',
      responseFormat: 'json',
      timeoutMs: 10_000,
      retries: 0,
    });
    engines.push(jsonEngine);
    // Omi's `multi` is no ISO-639-1 code: the model detects the language.
    expect(await jsonEngine.transcribe({ ...audio, language: 'multi' }, { ...owner, credential: undefined })).toEqual({ text: 'Hello there.' });
    expect(server.received[1].fields).toEqual({ model: ['gpt-4o-transcribe'], response_format: ['json'] });
    expect(server.received[1].authorization).toBeUndefined();
  });

  it('tries again after a 503 and a 429, then answers', async () => {
    const engine = await start((index) =>
      index === 0
        ? { status: 503, body: openAiError('overloaded', 'server_error') }
        : index === 1
          ? { status: 429, body: openAiError('slow down', 'rate_limit_error') }
          : { status: 200, body: verboseAnswer },
    );
    expect((await engine.transcribe(audio, owner)).text).toBe('Hello there.');
    expect(server.received).toHaveLength(3);
  });

  it('says the engine is unavailable after the last retry, with the gateway’s message', async () => {
    const engine = await start(() => ({ status: 502, body: openAiError('every deployment of whisper-1 failed', 'server_error') }), { retries: 1 });
    const failure = await failureOf(engine.transcribe(audio, owner));
    expect(failure).toBeInstanceOf(SpeechToTextUnavailable);
    expect(failure.message).toBe('the gateway answered 502 to a transcription: every deployment of whisper-1 failed (after 2 attempts)');
    expect(server.received).toHaveLength(2);
  });

  it('says a refused key makes the engine unavailable at once, without the key in the message', async () => {
    const engine = await start(() => ({ status: 401, body: openAiError('Invalid API key.', 'authentication_error', 'invalid_api_key') }));
    const failure = await failureOf(engine.transcribe(audio, owner));
    expect(failure).toBeInstanceOf(SpeechToTextUnavailable);
    expect(failure.message).toBe('the gateway answered 401 to a transcription: Invalid API key.');
    expect(failure.message).not.toContain(owner.credential);
    expect(server.received).toHaveLength(1);
  });

  it('reports a refused request as an error of the audio, not of the engine', async () => {
    const engine = await start(() => ({ status: 400, body: openAiError('Audio file is too short. Minimum audio length is 0.1 seconds.') }));
    const failure = await failureOf(engine.transcribe(audio, owner));
    expect(failure).not.toBeInstanceOf(SpeechToTextUnavailable);
    expect(failure.message).toBe('the gateway answered 400 to a transcription: Audio file is too short. Minimum audio length is 0.1 seconds.');
  });

  it('rejects an answer that is not a transcription', async () => {
    const engine = await start(() => ({ status: 200, body: { choices: [] } }));
    await expect(engine.transcribe(audio, owner)).rejects.toThrow('the gateway\'s transcription (verbose_json) has no "text"');
  });

  it('gives up at the deadline when the gateway never answers, and stops at once when the stream aborts', async () => {
    const engine = await start(() => 'hang', { timeoutMs: 300, retries: 0 });
    await expect(engine.transcribe(audio, owner)).rejects.toThrow(
      new SpeechToTextUnavailable('speech to text through the gateway took longer than 300 ms'),
    );

    const patient = new GatewaySpeechToText({
      baseUrl: server.baseUrl,
      model: 'whisper-1',
      responseFormat: 'verbose_json',
      timeoutMs: 60_000,
      retries: 2,
    });
    engines.push(patient);
    const abort = new AbortController();
    const pending = patient.transcribe(audio, owner, abort.signal);
    await waitFor(() => server.received.length === 2);
    abort.abort(new Error('the stream closed'));
    await expect(pending).rejects.toThrow('the stream closed');
  });

  it('says the engine is unavailable when nothing listens at the address', async () => {
    const port = await freePort();
    const engine = new GatewaySpeechToText({
      baseUrl: `http://127.0.0.1:${port}`,
      model: 'whisper-1',
      responseFormat: 'verbose_json',
      timeoutMs: 10_000,
      retries: 1,
    });
    const failure = await failureOf(engine.transcribe(audio, owner));
    expect(failure).toBeInstanceOf(SpeechToTextUnavailable);
    expect(failure.message).toBe(`the gateway at http://127.0.0.1:${port}/v1/audio/transcriptions did not answer (ECONNREFUSED) (after 2 attempts)`);
  });
});

describe('createSpeechToText', () => {
  it('builds the gateway engine from edge.speech, on the configured address or the gateway’s own', async () => {
    const server = await new TranscriptionServer(() => ({ status: 200, body: verboseAnswer })).start();
    try {
      const config = edgeSpeechConfigSchema.parse({ engine: 'gateway', gateway: { retries: 0 } });
      const engine = await createSpeechToText(config, { gatewayBaseUrl: server.baseUrl });
      expect(engine.id).toBe('switchyard');
      await engine.transcribe(audio, owner);
      expect(server.received[0].fields.model).toEqual(['whisper-1']);

      const configured = await createSpeechToText(
        edgeSpeechConfigSchema.parse({ engine: 'gateway', model: 'groq/whisper-large-v3', gateway: { baseUrl: server.baseUrl } }),
      );
      await configured.transcribe(audio, owner);
      expect(server.received[1].fields.model).toEqual(['groq/whisper-large-v3']);
    } finally {
      await server.stop();
    }
  });

  it('names what is missing', async () => {
    await expect(createSpeechToText(edgeSpeechConfigSchema.parse({ engine: 'gateway' }))).rejects.toThrow(
      'edge.speech.gateway.baseUrl: needed for engine "gateway" where the gateway does not run in this process',
    );
    expect(() => edgeSpeechConfigSchema.parse({ engine: 'gateway', gateway: { baseUrl: 'http://user:secret@gateway:8080' } })).toThrow(
      /must not hold credentials/,
    );
    expect(() => edgeSpeechConfigSchema.parse({ engine: 'cloud' })).toThrow(/offline|gateway/);
  });
});

/** The error a call failed with; a call that answered fails the test. */
async function failureOf(call: Promise<unknown>): Promise<Error> {
  const outcome = await call.then(
    () => undefined,
    (error: unknown) => error as Error,
  );
  if (!outcome) throw new Error('the call answered where it should have failed');
  return outcome;
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
