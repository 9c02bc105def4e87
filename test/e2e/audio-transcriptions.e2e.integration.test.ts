import { randomBytes } from 'node:crypto';
import OpenAI, { toFile } from 'openai';
import {
  BILLED_SECONDS,
  REPORTED_DURATION,
  SRT,
  startMockTranscriptionUpstream,
  TOKEN_USAGE,
  toneWav,
  TRANSCRIPT,
  VTT,
  type MockTranscriptionUpstream,
} from '../support/mock-openai-transcriptions';
import { waitFor } from '../support/wait-for';
import { startSwitchyard, type Mode, type RunningSwitchyard } from './switchyard-harness';

/**
 * `POST /v1/audio/transcriptions` through the official `openai` SDK, in one
 * process and distributed (the audio crossing to the adapter service in
 * one ExecuteTranscribe call): each response format as OpenAI answers it,
 * the form sent upstream intact with the deployment's model, fallback to
 * the next deployment, bad inputs refused in OpenAI's error format, and
 * the record with its audio seconds priced.
 */

const PRICES = {
  'whisper-1': { input: 0, output: 0, audioPerMinute: 0.006 },
  'gpt-4o-transcribe': { input: 2.5, output: 10, audioInput: 6 },
};
/** Body limit of the gateway under test: small, so the 413 needs no large upload. */
const BODY_LIMIT_BYTES = 512 * 1024;
const AUDIO_SECONDS = 2;

describe.each<Mode>(['embedded', 'distributed'])('audio transcriptions (%s mode)', (mode) => {
  const workspace = `audio-${mode}-${randomBytes(4).toString('hex')}`;
  const wav = toneWav(AUDIO_SECONDS);
  let upstream: MockTranscriptionUpstream;
  let switchyard: RunningSwitchyard;
  let client: OpenAI;
  let root: string;

  beforeAll(async () => {
    upstream = await startMockTranscriptionUpstream();
    switchyard = await startSwitchyard(
      mode,
      {
        server: { bodyLimitBytes: BODY_LIMIT_BYTES },
        providers: {
          openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['whisper-1', 'gpt-4o-transcribe'], prices: PRICES },
          // The same upstream under another name: a fallback target that answers after the first one failed.
          'openai-backup': { kind: 'openai', baseUrl: upstream.baseUrl, models: ['whisper-1'], prices: PRICES },
          // A provider whose API has no transcriptions: never called.
          anthropic: { kind: 'anthropic', baseUrl: 'http://127.0.0.1:9', models: ['claude-sonnet-4-5'] },
        },
        routes: {
          'speech-to-text': {
            strategy: 'fallback',
            targets: [
              { provider: 'openai', model: 'whisper-1' },
              { provider: 'openai-backup', model: 'whisper-1' },
            ],
          },
        },
      },
      { workspace },
    );
    root = switchyard.origin;
    client = new OpenAI({ baseURL: switchyard.baseURL, apiKey: switchyard.apiKey, maxRetries: 0 });
    // Distributed mode starts five services and joins a Kafka group: more than the default 20 s on a busy machine.
  }, 120_000);

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
  });

  const audio = () => toFile(wav, 'speech.wav', { type: 'audio/wav' });
  const field = (index: number, name: string) => upstream.received[index].fields.filter(([key]) => key === name).map(([, value]) => value);

  it('answers json as OpenAI does, and sends the form upstream intact', async () => {
    const before = upstream.received.length;
    const transcription = await client.audio.transcriptions.create({
      file: await audio(),
      model: 'whisper-1',
      language: 'en',
      prompt: 'Omi, Switchyard — names to spell right',
      temperature: 0.2,
    });
    expect(transcription).toStrictEqual({ text: TRANSCRIPT, usage: { type: 'duration', seconds: BILLED_SECONDS } });

    expect(upstream.received).toHaveLength(before + 1);
    const sent = upstream.received[before];
    expect(sent.file).toStrictEqual({ name: 'speech.wav', type: 'audio/wav', bytes: wav });
    expect(field(before, 'model')).toStrictEqual(['whisper-1']);
    expect(field(before, 'language')).toStrictEqual(['en']);
    expect(field(before, 'prompt')).toStrictEqual(['Omi, Switchyard — names to spell right']);
    expect(field(before, 'temperature')).toStrictEqual(['0.2']);
    expect(field(before, 'response_format')).toStrictEqual(['json']);
    // The client's credential is the gateway's business; the provider gets none it did not configure.
    expect(sent.headers.authorization).toBeUndefined();
  });

  it('answers verbose_json with the words and segments asked for', async () => {
    const before = upstream.received.length;
    const transcription = await client.audio.transcriptions.create({
      file: await audio(),
      model: 'whisper-1',
      response_format: 'verbose_json',
      timestamp_granularities: ['word', 'segment'],
    });
    expect(transcription.text).toBe(TRANSCRIPT);
    expect(transcription.duration).toBe(REPORTED_DURATION);
    expect(transcription.language).toBe('english');
    expect(transcription.words).toHaveLength(TRANSCRIPT.split(' ').length);
    expect(transcription.words?.[1]).toStrictEqual({ word: 'quick', start: 0.25, end: 0.45 });
    expect(transcription.segments?.[0]).toMatchObject({ id: 0, start: 0, end: REPORTED_DURATION, text: ` ${TRANSCRIPT}`, temperature: 0 });
    expect(field(before, 'timestamp_granularities[]')).toStrictEqual(['word', 'segment']);
  });

  it('answers text, srt and vtt as the strings OpenAI sends', async () => {
    const text = await client.audio.transcriptions.create({ file: await audio(), model: 'whisper-1', response_format: 'text' });
    expect(text).toBe(`${TRANSCRIPT}\n`);
    const srt = await client.audio.transcriptions.create({ file: await audio(), model: 'whisper-1', response_format: 'srt' });
    expect(srt).toBe(SRT);
    const response = await client.audio.transcriptions.create({ file: await audio(), model: 'whisper-1', response_format: 'vtt' }).asResponse();
    expect(response.headers.get('content-type')).toBe('text/vtt; charset=utf-8');
    expect(await response.text()).toBe(VTT);
  });

  it('answers a model billed by tokens with its usage', async () => {
    const transcription = await client.audio.transcriptions.create({ file: await audio(), model: 'gpt-4o-transcribe' });
    expect(transcription).toStrictEqual({ text: TRANSCRIPT, usage: TOKEN_USAGE });
  });

  it('falls back to the next deployment of a route when the first fails', async () => {
    const before = upstream.received.length;
    upstream.enqueue({
      kind: 'error',
      status: 503,
      body: { error: { message: 'The server is overloaded', type: 'server_error', param: null, code: null } },
    });
    const { data, response } = await client.audio.transcriptions
      .create({ file: await audio(), model: 'speech-to-text', response_format: 'json' })
      .withResponse();
    expect(data.text).toBe(TRANSCRIPT);
    expect(response.headers.get('x-switchyard-provider')).toBe('openai-backup');
    expect(upstream.received).toHaveLength(before + 2);
    // The second attempt carried the same audio, under the deployment's model name rather than the route's.
    expect(upstream.received[before + 1].file?.bytes).toStrictEqual(wav);
    expect(field(before + 1, 'model')).toStrictEqual(['whisper-1']);
  });

  it("passes an upstream's refusal on in OpenAI's format", async () => {
    upstream.enqueue({
      kind: 'error',
      status: 400,
      body: {
        error: { message: 'Audio file might be corrupted or unsupported', type: 'invalid_request_error', param: 'file', code: 'invalid_value' },
      },
    });
    await expect(client.audio.transcriptions.create({ file: await audio(), model: 'whisper-1' })).rejects.toMatchObject({
      status: 400,
      error: { message: expect.stringContaining('Audio file might be corrupted or unsupported'), param: 'file', code: 'invalid_value' },
    });
  });

  describe('bad input', () => {
    async function post(body: string | FormData, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
      const response = await fetch(`${root}/v1/audio/transcriptions`, { method: 'POST', headers: switchyard.headers(headers), body });
      return { status: response.status, body: await response.json() };
    }

    function form(fields: Record<string, string>, file: Blob | null = new Blob([wav], { type: 'audio/wav' })): FormData {
      const data = new FormData();
      for (const [name, value] of Object.entries(fields)) data.append(name, value);
      if (file) data.append('file', file, 'speech.wav');
      return data;
    }

    it.each<[string, () => string | FormData, Record<string, string>, number, string | null, string]>([
      ['no file', () => form({ model: 'whisper-1' }, null), {}, 400, 'file', 'is required'],
      ['an empty file', () => form({ model: 'whisper-1' }, new Blob([])), {}, 400, 'file', 'empty'],
      ['the file as text', () => form({ model: 'whisper-1', file: 'not audio' }, null), {}, 400, 'file', 'must be a file upload'],
      ['no model', () => form({}), {}, 400, 'model', 'is required'],
      ['an unknown response_format', () => form({ model: 'whisper-1', response_format: 'mp3' }), {}, 400, 'response_format', 'must be one of'],
      ['a temperature above 1', () => form({ model: 'whisper-1', temperature: '2' }), {}, 400, 'temperature', 'from 0 to 1'],
      ['a temperature that is no number', () => form({ model: 'whisper-1', temperature: 'warm' }), {}, 400, 'temperature', 'from 0 to 1'],
      ['a language that is no code', () => form({ model: 'whisper-1', language: 'English please' }), {}, 400, 'language', 'ISO-639-1'],
      [
        'timestamps without verbose_json',
        () => form({ model: 'whisper-1', 'timestamp_granularities[]': 'word' }),
        {},
        400,
        'timestamp_granularities',
        'needs response_format verbose_json',
      ],
      [
        'an unknown granularity',
        () => form({ model: 'whisper-1', 'timestamp_granularities[]': 'char' }),
        {},
        400,
        'timestamp_granularities',
        'must be',
      ],
      ['a stream', () => form({ model: 'whisper-1', stream: 'true' }), {}, 400, 'stream', 'not supported'],
      [
        'a JSON body',
        () => JSON.stringify({ model: 'whisper-1' }),
        { 'content-type': 'application/json' },
        415,
        'content-type',
        'multipart/form-data',
      ],
      ['no boundary', () => 'x', { 'content-type': 'multipart/form-data' }, 400, 'content-type', 'boundary'],
      [
        'a body cut short',
        () => '--b\r\ncontent-disposition: form-data; name="model"\r\n\r\nwhisper-1',
        { 'content-type': 'multipart/form-data; boundary=b' },
        400,
        null,
        'not closed by the boundary',
      ],
      ['an unknown model', () => form({ model: 'no-such-model' }), {}, 404, 'model', 'no-such-model'],
      [
        'a model whose provider has no transcriptions',
        () => form({ model: 'claude-sonnet-4-5' }),
        {},
        400,
        'model',
        'does not offer audio transcriptions',
      ],
      [
        'a body over the limit',
        () => form({ model: 'whisper-1' }, new Blob([Buffer.alloc(BODY_LIMIT_BYTES + 1)])),
        {},
        413,
        null,
        'larger than the limit',
      ],
    ])('refuses %s', async (_case, body, headers, status, param, message) => {
      const before = upstream.received.length;
      const answer = await post(body(), headers);
      expect(answer.status).toBe(status);
      expect(answer.body).toStrictEqual({
        error: { message: expect.stringContaining(message), type: expect.any(String), param, code: expect.anything() },
      });
      expect(upstream.received).toHaveLength(before);
    });

    it('refuses a duplicated field and a second file', async () => {
      const twice = form({ model: 'whisper-1' });
      twice.append('model', 'whisper-1');
      expect(await post(twice)).toMatchObject({ status: 400, body: { error: { param: 'model', code: 'duplicate_field' } } });
      const files = form({ model: 'whisper-1' });
      files.append('attachment', new Blob([wav]), 'other.wav');
      expect(await post(files)).toMatchObject({ status: 400, body: { error: { param: 'attachment', code: 'unexpected_file' } } });
    });
  });

  it('records each transcription with its audio priced', async () => {
    const id = `${workspace}-priced-${randomBytes(3).toString('hex')}`;
    // `text` carries no duration: the gateway reads it from the WAV header (2 s at 16 kHz).
    await client.audio.transcriptions.create(
      { file: await audio(), model: 'whisper-1', response_format: 'text' },
      { headers: { 'x-request-id': id } },
    );
    const tokensId = `${workspace}-tokens-${randomBytes(3).toString('hex')}`;
    await client.audio.transcriptions.create({ file: await audio(), model: 'gpt-4o-transcribe' }, { headers: { 'x-request-id': tokensId } });
    const jsonId = `${workspace}-json-${randomBytes(3).toString('hex')}`;
    await client.audio.transcriptions.create({ file: await audio(), model: 'whisper-1' }, { headers: { 'x-request-id': jsonId } });

    const record = async (requestId: string) => {
      const response = await fetch(`${root}/v1/requests/${requestId}`, { headers: switchyard.headers() });
      return { status: response.status, body: (await response.json()) as any };
    };
    const recorded = async (requestId: string) =>
      (
        await waitFor(
          () => record(requestId),
          (found) => found.status === 200,
          { timeoutMs: 30_000, what: `the record of ${requestId}` },
        )
      ).body;

    const priced = await recorded(id);
    expect(priced).toMatchObject({
      id,
      operation: 'audio.transcription',
      status: 'succeeded',
      provider: 'openai',
      requested_model: 'whisper-1',
      usage: { input_tokens: 0, output_tokens: 0 },
    });
    expect(priced.cost_usd).toBeCloseTo((AUDIO_SECONDS / 60) * 0.006, 12);
    expect(priced.cost).toMatchObject({ price_source: 'config' });

    // Billed by the second: the provider's own count (usage.seconds) is what is priced.
    const json = await recorded(jsonId);
    expect(json.cost_usd).toBeCloseTo((BILLED_SECONDS / 60) * 0.006, 12);

    // Billed by tokens: audio tokens at audioInput, text tokens at input, output at output.
    const tokens = await recorded(tokensId);
    const audioTokens = TOKEN_USAGE.input_token_details.audio_tokens;
    const textTokens = TOKEN_USAGE.input_tokens - audioTokens;
    expect(tokens.usage).toMatchObject({ input_tokens: TOKEN_USAGE.input_tokens, output_tokens: TOKEN_USAGE.output_tokens });
    expect(tokens.cost_usd).toBeCloseTo((audioTokens * 6 + textTokens * 2.5 + TOKEN_USAGE.output_tokens * 10) / 1e6, 12);
  }, 60_000);
});
