import { edgeSpeechConfigSchema } from './edge-speech-config';

/** Each problem as `path: message`, as the config loader reports them. */
function problems(input: unknown): string[] {
  const result = edgeSpeechConfigSchema.safeParse(input);
  if (result.success) throw new Error('expected the section to be rejected');
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('the edge.speech config section', () => {
  it('defaults to the offline engine with Omi’s own VAD settings', () => {
    expect(edgeSpeechConfigSchema.parse(undefined)).toEqual({
      engine: 'offline',
      gateway: { timeoutMs: 30_000, retries: 2, responseFormat: 'verbose_json' },
      vad: { threshold: 0.65, preRollMs: 300, hangoverMs: 4_000, utteranceEndMs: 700, minSpeechMs: 250 },
      partialIntervalMs: 600,
      maxUtteranceSeconds: 20,
      queueSeconds: 30,
    });
  });

  it('reads the gateway engine with its model and address', () => {
    const config = edgeSpeechConfigSchema.parse({
      engine: 'gateway',
      model: 'gpt-4o-transcribe',
      gateway: { baseUrl: 'http://gateway:8080', responseFormat: 'json' },
    });
    expect(config).toMatchObject({
      engine: 'gateway',
      model: 'gpt-4o-transcribe',
      gateway: { baseUrl: 'http://gateway:8080', responseFormat: 'json', retries: 2 },
    });
  });

  it('names each field that is wrong', () => {
    expect(problems({ engine: 'deepgram' })[0]).toMatch(/^engine: .*"offline"\|"gateway"/);
    expect(problems({ vad: { threshold: 1.5 } })[0]).toMatch(/^vad\.threshold: /);
    expect(problems({ vad: { preRoll: 300 } })[0]).toMatch(/^vad: .*preRoll/);
    expect(problems({ gateway: { baseUrl: 'https://user:pass@gateway' } })).toEqual([
      'gateway.baseUrl: must not hold credentials; the stream’s own key is sent',
    ]);
    expect(problems({ queueSeconds: 0 })[0]).toMatch(/^queueSeconds: /);
  });
});
