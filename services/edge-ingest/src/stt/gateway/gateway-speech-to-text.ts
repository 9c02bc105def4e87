import { SpeechToTextUnavailable, type SpeechAudio, type SpeechToText, type StreamOwner, type Transcription } from '../../contracts';
import { encodeWav } from './wav-encoding';
import { parseTranscriptionResponse } from './transcription-response';

export interface GatewaySpeechToTextOptions {
  /** The gateway's address (`http://127.0.0.1:8080`); `/v1/audio/transcriptions` is appended. */
  baseUrl: string;
  model: string;
  responseFormat: 'verbose_json' | 'json';
  timeoutMs: number;
  retries: number;
  fetch?: typeof fetch;
}

/** Statuses worth another attempt: the gateway or its upstream may answer the next one. */
const RETRYABLE_STATUSES = new Set([408, 409, 429, 500, 502, 503, 504]);
/** Statuses that will not change by themselves: the engine is unusable as configured. */
const UNAVAILABLE_STATUSES = new Set([401, 402, 403, 404]);
const MAX_BACKOFF_MS = 2_000;

/**
 * Cloud speech to text through Switchyard's own `POST /v1/audio/transcriptions`
 * (OpenAI's multipart format), sent with the stream's own key so each
 * utterance is routed, recorded and billed as the caller's request. The key is
 * only ever a header: it is in no error message.
 */
export class GatewaySpeechToText implements SpeechToText {
  readonly id = 'switchyard';
  private readonly endpoint: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: GatewaySpeechToTextOptions) {
    this.endpoint = new URL('/v1/audio/transcriptions', options.baseUrl).toString();
    this.fetch = options.fetch ?? fetch;
  }

  async transcribe(audio: SpeechAudio, owner: StreamOwner, signal?: AbortSignal): Promise<Transcription> {
    const wav = encodeWav(audio.samples, audio.sampleRate);
    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
    let lastProblem = '';
    for (let attempt = 0; attempt <= this.options.retries; attempt++) {
      if (attempt > 0) await backoff(attempt, combined);
      let response: Response;
      try {
        response = await this.fetch(this.endpoint, {
          method: 'POST',
          headers: owner.credential ? { authorization: `Bearer ${owner.credential}` } : {},
          body: this.form(wav, audio.language),
          signal: combined,
        });
      } catch (error) {
        if (signal?.aborted) throw error;
        if (deadline.aborted) throw new SpeechToTextUnavailable(`speech to text through the gateway took longer than ${this.options.timeoutMs} ms`);
        lastProblem = `the gateway at ${this.endpoint} did not answer (${describe(error)})`;
        continue;
      }
      const body = await response.text();
      if (response.ok) return parseTranscriptionResponse(body, this.options.responseFormat);
      const problem = `the gateway answered ${response.status} to a transcription: ${errorMessage(body)}`;
      if (UNAVAILABLE_STATUSES.has(response.status)) throw new SpeechToTextUnavailable(problem);
      if (!RETRYABLE_STATUSES.has(response.status)) throw new Error(problem);
      lastProblem = problem;
    }
    throw new SpeechToTextUnavailable(`${lastProblem} (after ${this.options.retries + 1} attempts)`);
  }

  async close(): Promise<void> {}

  private form(wav: Uint8Array, language: string): FormData {
    const form = new FormData();
    form.append('file', new Blob([wav], { type: 'audio/wav' }), 'utterance.wav');
    form.append('model', this.options.model);
    form.append('response_format', this.options.responseFormat);
    // Omi's `multi` (and any non-ISO-639-1 tag) is left to the model to detect.
    const primary = language.split('-')[0].toLowerCase();
    if (/^[a-z]{2}$/.test(primary)) form.append('language', primary);
    if (this.options.responseFormat === 'verbose_json') {
      form.append('timestamp_granularities[]', 'word');
      form.append('timestamp_granularities[]', 'segment');
    }
    return form;
  }
}

/** The message of an OpenAI-format error body, or its start when it is not one. */
function errorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === 'string') return parsed.error.message.slice(0, 500);
  } catch {
    // Not JSON: shown as it came, shortened.
  }
  return body.slice(0, 200) || '(empty body)';
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/** Waits 250 ms × 2^(attempt−1), at most 2 s, and stops at once when the signal aborts. */
function backoff(attempt: number, signal: AbortSignal): Promise<void> {
  const delay = Math.min(250 * 2 ** (attempt - 1), MAX_BACKOFF_MS);
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, delay);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
