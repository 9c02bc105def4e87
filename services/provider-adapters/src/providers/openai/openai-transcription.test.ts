import type { TranscriptionRequest } from '@switchyard/shared';
import { openAITranscriptionForm, readOpenAITranscription } from './openai-transcription';

const audio = new Uint8Array([82, 73, 70, 70, 0, 13, 10, 45, 45, 255]);

describe('openAITranscriptionForm', () => {
  it('is a form any multipart parser reads back into the request, with the deployment model', async () => {
    const request: TranscriptionRequest = {
      model: 'speech-route',
      file: { filename: 'a "quoted"\r\nname.wav', contentType: 'audio/wav', data: audio },
      responseFormat: 'verbose_json',
      language: 'de',
      prompt: 'Grüße, Omi',
      temperature: 0.3,
      timestampGranularities: ['word', 'segment'],
      include: ['logprobs'],
      extraFields: [['chunking_strategy', 'auto']],
    };
    const { body, contentType } = openAITranscriptionForm('whisper-1', request);
    const form = await new Request('http://upstream/', { method: 'POST', headers: { 'content-type': contentType }, body }).formData();
    const fields = [...form.entries()].filter(([, value]) => typeof value === 'string');
    expect(fields).toStrictEqual([
      ['model', 'whisper-1'],
      ['response_format', 'verbose_json'],
      ['language', 'de'],
      ['prompt', 'Grüße, Omi'],
      ['temperature', '0.3'],
      ['timestamp_granularities[]', 'word'],
      ['timestamp_granularities[]', 'segment'],
      ['include[]', 'logprobs'],
      ['chunking_strategy', 'auto'],
    ]);
    const file = form.get('file') as File;
    expect(file.type).toBe('audio/wav');
    expect(new Uint8Array(await file.arrayBuffer())).toStrictEqual(audio);
    // Escaped as browsers do (no quote or line break ends the header early), and read back whole.
    expect(file.name).toBe('a "quoted"\r\nname.wav');
    expect(Buffer.from(body).toString('latin1')).toContain('filename="a %22quoted%22%0D%0Aname.wav"');
  });

  it('leaves out what the client did not send', async () => {
    const request: TranscriptionRequest = {
      model: 'whisper-1',
      file: { filename: 'a.mp3', contentType: 'audio/mpeg', data: audio },
      responseFormat: 'json',
      timestampGranularities: [],
      include: [],
      extraFields: [],
    };
    const { body, contentType } = openAITranscriptionForm('whisper-1', request);
    const form = await new Request('http://upstream/', { method: 'POST', headers: { 'content-type': contentType }, body }).formData();
    expect([...form.keys()]).toStrictEqual(['model', 'response_format', 'file']);
  });
});

describe('readOpenAITranscription', () => {
  it('reads a json answer billed by duration', () => {
    const body = '{"text":"Hello there.","usage":{"type":"duration","seconds":4}}';
    expect(readOpenAITranscription('openai', 'whisper-1', 'json', 'application/json', body)).toStrictEqual({
      model: 'whisper-1',
      contentType: 'application/json',
      body,
      text: 'Hello there.',
      durationSeconds: 4,
    });
  });

  it('reads a json answer billed by tokens', () => {
    const body = JSON.stringify({
      text: 'Hi',
      usage: { type: 'tokens', input_tokens: 14, input_token_details: { text_tokens: 0, audio_tokens: 14 }, output_tokens: 45, total_tokens: 59 },
    });
    expect(readOpenAITranscription('openai', 'gpt-4o-transcribe', 'json', 'application/json', body)).toMatchObject({
      text: 'Hi',
      usage: { inputTokens: 14, outputTokens: 45 },
      audioInputTokens: 14,
    });
  });

  it("takes verbose_json's duration", () => {
    const body = JSON.stringify({ task: 'transcribe', language: 'english', duration: 8.47, text: 'x', segments: [] });
    expect(readOpenAITranscription('openai', 'whisper-1', 'verbose_json', 'application/json', body).durationSeconds).toBe(8.47);
  });

  it.each([
    ['text', 'Hello there.\n', 'Hello there.'],
    ['srt', '1\n00:00:00,000 --> 00:00:01,000\nHello\n\n2\n00:00:01,000 --> 00:00:02,000\nthere.\n', 'Hello there.'],
    ['vtt', 'WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHello there.\n', 'Hello there.'],
  ] as const)('keeps a %s answer as sent and reads its words', (format, body, text) => {
    expect(readOpenAITranscription('openai', 'whisper-1', format, 'text/plain', body)).toStrictEqual({
      model: 'whisper-1',
      contentType: 'text/plain',
      body,
      text,
    });
  });

  it('turns an error in a 200 body, and a body that is not a transcription, into provider errors', () => {
    expect(() =>
      readOpenAITranscription(
        'openai',
        'whisper-1',
        'json',
        'application/json',
        '{"error":{"message":"quota","type":"x","code":"insufficient_quota"}}',
      ),
    ).toThrow(expect.objectContaining({ status: 502, message: expect.stringContaining('quota') }));
    expect(() => readOpenAITranscription('openai', 'whisper-1', 'json', 'application/json', '<html>')).toThrow(
      expect.objectContaining({ status: 502, code: 'upstream_bad_response' }),
    );
    expect(() => readOpenAITranscription('openai', 'whisper-1', 'json', 'application/json', '{"transcript":"x"}')).toThrow(
      expect.objectContaining({ status: 502, message: expect.stringContaining('text') }),
    );
  });
});
