import { ListenParameterError, readListenParameters } from './listen-parameters';

const read = (query: string) => readListenParameters(new URLSearchParams(query));

describe('the query of /v4/listen', () => {
  it("takes Omi's defaults: pcm8 at 8 kHz, English, 120 s", () => {
    expect(read('')).toEqual({ codec: 'pcm8', sampleRate: 8_000, language: 'en', conversationTimeoutSeconds: 120 });
  });

  it('reads what the app sends, ignoring the uid and its other parameters', () => {
    expect(read('uid=abc&language=pt-BR&sample_rate=16000&codec=opus&include_speech_profile=true&stt_service=soniox&conversation_timeout=300')).toEqual({
      codec: 'opus',
      sampleRate: 16_000,
      language: 'pt-BR',
      conversationTimeoutSeconds: 300,
    });
  });

  it.each([
    ['-1', 4 * 3600],
    ['0', 120],
    ['60', 120],
    ['999999', 4 * 3600],
  ])('reads conversation_timeout=%s as %i s (at least 120, -1 and at most 4 hours)', (value, seconds) => {
    expect(read(`codec=opus&conversation_timeout=${value}`).conversationTimeoutSeconds).toBe(seconds);
  });

  it.each([
    ['codec=aac', 'aac is not supported'],
    ['codec=lc3_fs1030', 'lc3_fs1030 is not supported'],
    ['codec=OPUS', 'Unknown codec'],
    ['codec=pcm16&sample_rate=8000', 'pcm16 is 16000 Hz'],
    ['codec=pcm8&sample_rate=16000', 'pcm8 is 8000 Hz'],
    ['language=', 'Unsupported language'],
    ['language=en_US', 'Unsupported language'],
    ['conversation_timeout=-2', 'conversation_timeout'],
    ['conversation_timeout=1.5', 'conversation_timeout'],
  ])('refuses %s, saying why', (query, reason) => {
    expect(() => read(query)).toThrow(ListenParameterError);
    expect(() => read(query)).toThrow(reason);
  });
});
