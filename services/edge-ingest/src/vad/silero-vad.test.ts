/**
 * @jest-environment ./services/edge-ingest/src/__fixtures__/native-typed-arrays-environment.js
 */
import { joinAudio, silence, synthesizeSpeech, whiteNoise } from '../__fixtures__/flite-speech';
import { loadSileroVad, VAD_SAMPLE_RATE, VAD_WINDOW_SAMPLES, type VoiceActivityModel } from './silero-vad';

/** Each window's speech probability, with the second it starts at. */
async function probabilities(model: VoiceActivityModel, audio: Int16Array): Promise<{ atSeconds: number; probability: number }[]> {
  const detector = model.createDetector();
  const result: { atSeconds: number; probability: number }[] = [];
  for (let offset = 0; offset + VAD_WINDOW_SAMPLES <= audio.length; offset += VAD_WINDOW_SAMPLES) {
    const window = Float32Array.from(audio.subarray(offset, offset + VAD_WINDOW_SAMPLES), (sample) => sample / 32768);
    result.push({ atSeconds: offset / VAD_SAMPLE_RATE, probability: await detector.probability(window) });
  }
  return result;
}

describe('Silero VAD on onnxruntime (CPU)', () => {
  let model: VoiceActivityModel;
  beforeAll(async () => {
    model = await loadSileroVad();
  });
  afterAll(async () => {
    await model?.close();
  });

  it('finds flite speech between seconds of silence, and only there', async () => {
    const speech = synthesizeSpeech('The quick brown fox jumps over the lazy dog, then it runs into the forest.');
    expect(speech.sampleRate).toBe(VAD_SAMPLE_RATE);
    const speechSeconds = speech.samples.length / VAD_SAMPLE_RATE;
    const audio = joinAudio(silence(1.5, VAD_SAMPLE_RATE), speech.samples, silence(1.5, VAD_SAMPLE_RATE));

    const windows = await probabilities(model, audio);
    const speaking = windows.filter((window) => window.probability >= 0.65);
    // Silence before and after (allowing the model's 100 ms of memory at the end) is never speech.
    expect(speaking.every((window) => window.atSeconds >= 1.4 && window.atSeconds <= 1.5 + speechSeconds + 0.1)).toBe(true);
    // Most of the sentence is (pauses between words are not).
    const inside = windows.filter((window) => window.atSeconds >= 1.5 && window.atSeconds + 0.032 <= 1.5 + speechSeconds);
    expect(speaking.length / inside.length).toBeGreaterThan(0.6);
  });

  it('hears no speech in white noise', async () => {
    const windows = await probabilities(model, whiteNoise(3, VAD_SAMPLE_RATE, 4000));
    expect(windows.filter((window) => window.probability >= 0.65)).toEqual([]);
  });

  it('keeps each stream apart while their windows run as one batch', async () => {
    const speech = synthesizeSpeech('Hello there, how are you today?');
    const window = (offset: number) => Float32Array.from(speech.samples.subarray(offset, offset + VAD_WINDOW_SAMPLES), (sample) => sample / 32768);
    const quiet = new Float32Array(VAD_WINDOW_SAMPLES);
    const offsets: number[] = [];
    for (let offset = 0; offset + VAD_WINDOW_SAMPLES <= speech.samples.length; offset += VAD_WINDOW_SAMPLES) offsets.push(offset);

    // Alone: one stream at a time.
    const alone = model.createDetector();
    const expected: number[] = [];
    for (const offset of offsets) expected.push(await alone.probability(window(offset)));

    // Together: a speaking stream and a silent one, each window of both in the same run.
    const speaking = model.createDetector();
    const silent = model.createDetector();
    const runsBefore = model.stats.runs;
    const together: number[] = [];
    let silentMax = 0;
    for (const offset of offsets) {
      const [heard, quietProbability] = await Promise.all([speaking.probability(window(offset)), silent.probability(quiet)]);
      together.push(heard);
      silentMax = Math.max(silentMax, quietProbability);
    }
    expect(model.stats.runs - runsBefore).toBe(offsets.length);
    together.forEach((probability, index) => expect(probability).toBeCloseTo(expected[index], 4));
    expect(Math.max(...together)).toBeGreaterThan(0.9);
    expect(silentMax).toBeLessThan(0.2);
  });

  it('refuses a window of the wrong size, and a second window before the first is answered', async () => {
    const detector = model.createDetector();
    await expect(detector.probability(new Float32Array(100))).rejects.toThrow(/512 samples/);
    const first = detector.probability(new Float32Array(VAD_WINDOW_SAMPLES));
    await expect(detector.probability(new Float32Array(VAD_WINDOW_SAMPLES))).rejects.toThrow(/one window at a time/);
    await expect(first).resolves.toBeLessThan(0.2);
  });
});
