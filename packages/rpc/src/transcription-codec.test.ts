import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { chatV1 } from '@switchyard/proto';
import type { TranscriptionRequest, TranscriptionResponse } from '@switchyard/shared';
import {
  transcriptionRequestFromProto,
  transcriptionRequestToProto,
  transcriptionResponseFromProto,
  transcriptionResponseToProto,
} from './transcription-codec';

describe('transcription codec', () => {
  const file = { filename: 'speech.wav', contentType: 'audio/wav', data: new Uint8Array([82, 73, 70, 70, 0, 255]) };

  it.each<TranscriptionRequest>([
    { model: 'whisper-1', file, responseFormat: 'json', timestampGranularities: [], include: [], extraFields: [] },
    {
      model: 'whisper-1',
      file,
      responseFormat: 'verbose_json',
      language: 'en',
      prompt: 'Omi, Switchyard',
      temperature: 0,
      timestampGranularities: ['word', 'segment'],
      include: ['logprobs'],
      extraFields: [
        ['chunking_strategy', 'auto'],
        ['known_speaker_names[]', 'Ada'],
      ],
    },
  ])('round-trips request %#', (request) => {
    const bytes = toBinary(chatV1.TranscriptionRequestSchema, transcriptionRequestToProto(request));
    expect(transcriptionRequestFromProto(fromBinary(chatV1.TranscriptionRequestSchema, bytes))).toStrictEqual(request);
  });

  it.each<TranscriptionResponse>([
    { model: 'whisper-1', contentType: 'text/plain; charset=utf-8', body: 'Hello.\n', text: 'Hello.' },
    {
      model: 'gpt-4o-transcribe',
      contentType: 'application/json',
      body: '{"text":"Hi"}',
      text: 'Hi',
      durationSeconds: 1.5,
      usage: { inputTokens: 14, outputTokens: 3 },
      audioInputTokens: 12,
    },
  ])('round-trips response %#', (response) => {
    const bytes = toBinary(chatV1.TranscriptionResponseSchema, transcriptionResponseToProto(response));
    expect(transcriptionResponseFromProto(fromBinary(chatV1.TranscriptionResponseSchema, bytes))).toStrictEqual(response);
  });

  it('rejects a request without its audio or with an unknown format', () => {
    expect(() => transcriptionRequestFromProto(create(chatV1.TranscriptionRequestSchema, { model: 'm', responseFormat: 'json' }))).toThrow(
      'file is missing',
    );
    const unknown = create(chatV1.TranscriptionRequestSchema, { model: 'm', file: {}, responseFormat: 'mp3' });
    expect(() => transcriptionRequestFromProto(unknown)).toThrow('unknown value "mp3"');
  });
});
