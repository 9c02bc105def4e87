import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { SpeechToTextUnavailable, type SpeechAudio, type SpeechToText, type Transcription } from '../../contracts';
import { resample } from '../../relay/wav-file';

/** Where scripts/services.sh (component `whisper`) installs the runtime and the model. */
export const OFFLINE_WHISPER_VERSION = '1.2.1';

export interface OfflineSpeechToTextOptions {
  /** The Python that has faster-whisper (the tools dir's virtualenv). */
  pythonPath: string;
  /** A CTranslate2 Whisper model directory (config.json, model.bin, tokenizer.json, vocabulary.txt). */
  modelDirectory: string;
  /** CPU threads the model uses (default 1: one stream's worker should not take the whole machine). */
  threads?: number;
  /** 1 = greedy decoding (default, fastest); 5 = Whisper's own beam. */
  beamSize?: number;
  /** Ask for word timings (slower; Transcription.words). */
  wordTimings?: boolean;
  /** Requests waiting for the worker beyond which transcribe refuses at once (default 64). */
  maxPending?: number;
  /** How long loading the model may take (default 120 s). */
  startTimeoutMs?: number;
}

/** The `whisper` component's paths under a tools dir (`SWITCHYARD_SERVICES_TOOLS_DIR`, default `.services/tools`). */
export function offlineWhisperPaths(toolsDirectory: string): Pick<OfflineSpeechToTextOptions, 'pythonPath' | 'modelDirectory'> {
  const home = path.join(toolsDirectory, `faster-whisper-${OFFLINE_WHISPER_VERSION}`);
  return { pythonPath: path.join(home, 'venv', 'bin', 'python'), modelDirectory: path.join(home, 'model-base') };
}

/** The worker script: beside this file in src/, and found from dist/ too (both sit at the same depth in the package). */
const WORKER_SCRIPT = path.resolve(__dirname, '..', '..', '..', 'src', 'stt', 'offline', 'whisper-worker.py');
const MODEL_SAMPLE_RATE = 16_000;

interface Pending {
  id: number;
  line: string;
  resolve: (transcription: Transcription) => void;
  reject: (error: Error) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * Offline speech to text: Whisper `base` (CTranslate2, int8, CPU) in one
 * Python worker process, fed one utterance at a time over stdin/stdout. The
 * worker starts on the first request (or `start()`), is restarted on the next
 * request after it dies, and its death or a failed start surface as
 * `SpeechToTextUnavailable`.
 */
export class OfflineSpeechToText implements SpeechToText {
  readonly id = 'switchyard-offline-whisper-base';
  private worker: ChildProcessWithoutNullStreams | undefined;
  private starting: Promise<ChildProcessWithoutNullStreams> | undefined;
  private readonly queue: Pending[] = [];
  private inFlight: Pending | undefined;
  private nextId = 1;
  private closed = false;
  private stderrTail = '';

  constructor(private readonly options: OfflineSpeechToTextOptions) {}

  /** Loads the model now instead of on the first request. */
  async start(): Promise<void> {
    await this.ensureWorker();
  }

  async transcribe(audio: SpeechAudio, _owner: unknown, signal?: AbortSignal): Promise<Transcription> {
    if (this.closed) throw new SpeechToTextUnavailable('offline speech-to-text is closed');
    signal?.throwIfAborted();
    if (this.queue.length >= (this.options.maxPending ?? 64))
      throw new Error(`offline speech-to-text: ${this.queue.length} requests already waiting`);
    if (!(audio.sampleRate > 0)) throw new RangeError(`offline speech-to-text: sample rate ${audio.sampleRate} is not a rate`);
    // The model hears 16 kHz.
    const { samples } = resample({ samples: audio.samples, sampleRate: audio.sampleRate }, MODEL_SAMPLE_RATE);
    const id = this.nextId++;
    const line = `${JSON.stringify({ id, language: audio.language.split('-')[0], words: this.options.wordTimings ?? false, samples: Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength).toString('base64') })}\n`;
    const transcription = new Promise<Transcription>((resolve, reject) => {
      const pending: Pending = { id, line, resolve, reject, signal };
      if (signal) {
        pending.onAbort = () => {
          // Not yet sent: it leaves the queue; in flight: its answer is dropped when it comes.
          const index = this.queue.indexOf(pending);
          if (index >= 0) this.queue.splice(index, 1);
          reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        };
        signal.addEventListener('abort', pending.onAbort, { once: true });
      }
      this.queue.push(pending);
    });
    this.pump().catch((error: Error) => this.failAll(error));
    return transcription;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new SpeechToTextUnavailable('offline speech-to-text is closed'));
    const worker = this.worker ?? (await this.starting?.catch(() => undefined));
    this.worker = undefined;
    if (worker && worker.exitCode === null && worker.signalCode === null) {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.stdin.end();
      worker.kill('SIGTERM');
      await exited;
    }
  }

  private async pump(): Promise<void> {
    if (this.inFlight || this.queue.length === 0) return;
    const worker = await this.ensureWorker();
    if (this.inFlight || this.queue.length === 0) return;
    const next = this.queue.shift() as Pending;
    this.inFlight = next;
    worker.stdin.write(next.line);
  }

  private ensureWorker(): Promise<ChildProcessWithoutNullStreams> {
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= this.spawnWorker().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private spawnWorker(): Promise<ChildProcessWithoutNullStreams> {
    const { pythonPath, modelDirectory } = this.options;
    for (const [what, file] of [
      ['python', pythonPath],
      ['model', path.join(modelDirectory, 'model.bin')],
    ]) {
      if (!fs.existsSync(file)) {
        return Promise.reject(
          new SpeechToTextUnavailable(`offline speech-to-text: the ${what} ${file} is missing (scripts/services.sh up whisper installs it)`),
        );
      }
    }
    return new Promise((resolve, reject) => {
      const worker = spawn(pythonPath, ['-u', WORKER_SCRIPT, modelDirectory, String(this.options.threads ?? 1), String(this.options.beamSize ?? 1)], {
        env: { PATH: process.env.PATH ?? '', HF_HUB_OFFLINE: '1', OMP_NUM_THREADS: String(this.options.threads ?? 1) },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let ready = false;
      const timer = setTimeout(() => {
        worker.kill('SIGKILL');
        reject(new SpeechToTextUnavailable(`offline speech-to-text: the model did not load within ${this.options.startTimeoutMs ?? 120_000} ms`));
      }, this.options.startTimeoutMs ?? 120_000);
      // A write to a worker that just died fails with EPIPE: its exit, handled below, is what the callers hear.
      worker.stdin.on('error', () => undefined);
      worker.stderr.on('data', (chunk: Buffer) => {
        this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-2000);
      });
      readline.createInterface({ input: worker.stdout }).on('line', (line) => {
        let message: { ready?: boolean; fatal?: string; id?: number; text?: string; words?: Transcription['words']; error?: string };
        try {
          message = JSON.parse(line) as typeof message;
        } catch {
          return;
        }
        if (!ready) {
          clearTimeout(timer);
          if (message.ready) {
            ready = true;
            this.worker = worker;
            resolve(worker);
          } else {
            worker.kill('SIGKILL');
            reject(new SpeechToTextUnavailable(`offline speech-to-text: the model did not load: ${message.fatal ?? line}`));
          }
          return;
        }
        this.answer(message);
      });
      worker.on('error', (error) => {
        clearTimeout(timer);
        reject(new SpeechToTextUnavailable(`offline speech-to-text: ${error.message}`));
      });
      worker.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (!ready)
          reject(
            new SpeechToTextUnavailable(
              `offline speech-to-text: the worker exited (${signal ?? code}) before the model loaded: ${this.stderrTail.trim()}`,
            ),
          );
        if (this.worker === worker) this.worker = undefined;
        const lost = this.inFlight;
        this.inFlight = undefined;
        if (lost && !this.closed) lost.reject(new SpeechToTextUnavailable(`offline speech-to-text: the worker died (${signal ?? code})`));
        // Whatever waits gets a fresh worker.
        if (!this.closed) this.pump().catch((error: Error) => this.failAll(error));
      });
    });
  }

  private answer(message: { id?: number; text?: string; words?: Transcription['words']; error?: string }): void {
    const pending = this.inFlight;
    if (!pending || pending.id !== message.id) return;
    this.inFlight = undefined;
    if (pending.onAbort) pending.signal?.removeEventListener('abort', pending.onAbort);
    if (!pending.signal?.aborted) {
      if (message.error !== undefined) pending.reject(new Error(`offline speech-to-text: ${message.error}`));
      else pending.resolve({ text: message.text ?? '', ...(message.words ? { words: message.words } : {}) });
    }
    this.pump().catch((error: Error) => this.failAll(error));
  }

  private failAll(error: Error): void {
    for (const pending of this.queue.splice(0)) pending.reject(error);
    const inFlight = this.inFlight;
    this.inFlight = undefined;
    inFlight?.reject(error);
  }
}

export function createOfflineSpeechToText(options: OfflineSpeechToTextOptions): OfflineSpeechToText {
  return new OfflineSpeechToText(options);
}

/** `.services/tools` at the repository root, seen from src/stt/offline or dist/stt/offline alike. */
const DEFAULT_TOOLS_DIRECTORY = path.resolve(__dirname, '..', '..', '..', '..', '..', '.services', 'tools');

/** The name `edge.speech.model` may give for the installed model (the default when left out). */
export const OFFLINE_DEFAULT_MODEL = 'whisper-base';

/**
 * `edge.speech.engine: offline`: Whisper base from the `whisper` component of
 * scripts/services.sh, or the CTranslate2 model directory `edge.speech.model`
 * names. The model is loaded here, so a missing install fails the first
 * stream with `stt_failed` (and the next stream tries again).
 */
export async function createOfflineEngine(model: string | undefined, toolsDirectory?: string): Promise<OfflineSpeechToText> {
  const paths = offlineWhisperPaths(toolsDirectory ?? process.env.SWITCHYARD_SERVICES_TOOLS_DIR ?? DEFAULT_TOOLS_DIRECTORY);
  const engine = new OfflineSpeechToText({
    pythonPath: process.env.SWITCHYARD_OFFLINE_STT_PYTHON ?? paths.pythonPath,
    modelDirectory: model === undefined || model === OFFLINE_DEFAULT_MODEL ? paths.modelDirectory : path.resolve(model),
    threads: Math.min(4, os.availableParallelism()),
  });
  try {
    await engine.start();
  } catch (error) {
    await engine.close();
    throw error;
  }
  return engine;
}
