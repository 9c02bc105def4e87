import { DEFAULT_REQUEST_LIMITS } from '@switchyard/shared';
import type { MultipartPart } from '../http/read-multipart-body';
import { parseTranscriptionRequest } from './parse-transcription-request';

const file: MultipartPart = { name: 'file', filename: 'talk.m4a', contentType: 'audio/mp4', data: Buffer.from('audio bytes') };
const text = (name: string, value: string): MultipartPart => ({ name, data: Buffer.from(value) });

describe('parseTranscriptionRequest', () => {
  it('reads the defaults: json, no options', () => {
    expect(parseTranscriptionRequest([text('model', 'whisper-1'), file], DEFAULT_REQUEST_LIMITS)).toStrictEqual({
      model: 'whisper-1',
      file: { filename: 'talk.m4a', contentType: 'audio/mp4', data: Buffer.from('audio bytes') },
      responseFormat: 'json',
      timestampGranularities: [],
      include: [],
      extraFields: [],
    });
  });

  it('reads every field, in either array spelling, and passes the others on as sent', () => {
    const request = parseTranscriptionRequest(
      [
        file,
        text('model', 'gpt-4o-transcribe'),
        text('response_format', 'verbose_json'),
        text('language', 'pt-BR'),
        text('prompt', 'Olá'),
        text('temperature', '0'),
        text('timestamp_granularities[]', 'word'),
        text('timestamp_granularities', 'segment'),
        text('timestamp_granularities[]', 'word'),
        text('include[]', 'logprobs'),
        text('stream', 'false'),
        text('chunking_strategy[type]', 'server_vad'),
        text('known_speaker_names[]', 'Ada'),
      ],
      DEFAULT_REQUEST_LIMITS,
    );
    expect(request).toMatchObject({
      responseFormat: 'verbose_json',
      language: 'pt-BR',
      prompt: 'Olá',
      temperature: 0,
      timestampGranularities: ['word', 'segment'],
      include: ['logprobs'],
      extraFields: [
        ['chunking_strategy[type]', 'server_vad'],
        ['known_speaker_names[]', 'Ada'],
      ],
    });
  });

  it.each<[string, MultipartPart[], string]>([
    ['a model over the length limit', [file, text('model', 'm'.repeat(257))], 'model'],
    ['an unknown include', [file, text('model', 'm'), text('include[]', 'everything')], 'include'],
    ['a field name no API uses', [file, text('model', 'm'), text('<script>', 'x')], '<script>'],
    ['a text field that is not UTF-8', [file, text('model', 'm'), { name: 'prompt', data: Buffer.from([0xff, 0xfe]) }], 'prompt'],
    ['a model sent as a file', [file, { name: 'model', filename: 'm.txt', data: Buffer.from('m') }], 'model'],
  ])('refuses %s, naming it', (_case, parts, param) => {
    expect(() => parseTranscriptionRequest(parts, DEFAULT_REQUEST_LIMITS)).toThrow(expect.objectContaining({ status: 400, param }));
  });
});
