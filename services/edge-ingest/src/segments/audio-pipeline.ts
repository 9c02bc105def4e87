import { randomUUID } from 'node:crypto';
import type { EdgeSpeechConfig } from '@switchyard/shared';
import type { AudioPipeline, AudioPipelineListener, AudioPipelineOptions, SpeechToText, Transcription, TranscriptSegment } from '../contracts';
import { VAD_SAMPLE_RATE, VAD_WINDOW_SAMPLES, VoiceActivityGate, type GateEvent, type VoiceActivityModel, type VoiceActivityDetector } from '../vad';
import { LinearResampler } from './linear-resampler';
import type { AudioPipelineCounters } from './audio-pipeline-counters';

/** Finished utterances waiting for speech to text before detection pauses (and `push` starts to shed). */
const MAX_PENDING_FINALS = 4;
/** Audio kept after the last speech window when an utterance is sent, so its last word is whole. */
const TAIL_SECONDS = 0.25;

export interface AudioPipelineEngines {
  speechToText: SpeechToText;
  voiceActivity: VoiceActivityModel;
  counters: AudioPipelineCounters;
}

interface Utterance {
  id: string;
  startSeconds: number;
  speechStartSeconds: number;
  chunks: Int16Array[];
  length: number;
  samplesSincePartial: number;
  sentText: string;
  ended: boolean;
}

interface TranscriptionJob {
  utterance: Utterance;
  samples: Int16Array;
  /** Where the audio sent ends on the conversation's clock. */
  endSeconds: number;
  final: boolean;
}

/**
 * One stream's pipeline: audio (any rate, resampled to 16 kHz) → Silero VAD
 * in 512-sample windows → the gate's utterances → speech to text. A growing
 * utterance is transcribed again after each `partialIntervalMs` of new audio
 * and its segment re-sent with the same id; at its end it is transcribed a
 * last time. Transcriptions run one at a time per stream: only the newest
 * partial waits (older ones are superseded), finals all run in order.
 */
export class VadAudioPipeline implements AudioPipeline {
  private readonly resampler: LinearResampler;
  private readonly detector: VoiceActivityDetector;
  private readonly gate: VoiceActivityGate;
  private readonly capacitySamples: number;
  private readonly partialSamples: number;
  private readonly minPartialSamples: number;
  private readonly abort = new AbortController();

  private readonly pending: { samples: Int16Array; atSeconds: number }[] = [];
  private pendingSamples = 0;
  private readonly window = new Int16Array(VAD_WINDOW_SAMPLES);
  private windowFill = 0;
  private windowStartSeconds = 0;

  private utterance: Utterance | undefined;
  private readonly finals: TranscriptionJob[] = [];
  private partial: TranscriptionJob | undefined;

  private detecting: Promise<void> | undefined;
  private transcribing: Promise<void> | undefined;
  private finalDone: (() => void) | undefined;
  private finishing = false;
  private stopped = false;

  constructor(
    private readonly config: EdgeSpeechConfig,
    private readonly engines: AudioPipelineEngines,
    private readonly options: AudioPipelineOptions,
    private readonly listener: AudioPipelineListener,
  ) {
    this.resampler = new LinearResampler(options.sampleRate, VAD_SAMPLE_RATE);
    this.detector = engines.voiceActivity.createDetector();
    this.gate = new VoiceActivityGate({ ...config.vad, maxUtteranceSeconds: config.maxUtteranceSeconds });
    this.capacitySamples = config.queueSeconds * VAD_SAMPLE_RATE;
    this.partialSamples = Math.round((config.partialIntervalMs / 1000) * VAD_SAMPLE_RATE);
    this.minPartialSamples = Math.round(((config.vad.preRollMs + config.vad.minSpeechMs) / 1000) * VAD_SAMPLE_RATE);
    engines.counters.streams++;
  }

  push(samples: Int16Array, atSeconds: number): boolean {
    if (this.stopped || this.finishing) return false;
    const resampled = this.resampler.process(samples);
    // One push longer than the whole queue is taken when nothing waits (its memory is the caller's already).
    if (this.pendingSamples > 0 && this.pendingSamples + resampled.length > this.capacitySamples) {
      this.engines.counters.shedPushes++;
      this.engines.counters.shedSeconds += resampled.length / VAD_SAMPLE_RATE;
      return false;
    }
    this.pending.push({ samples: resampled, atSeconds });
    this.pendingSamples += resampled.length;
    this.detect();
    return true;
  }

  async finish(): Promise<void> {
    if (this.stopped) return;
    this.finishing = true;
    while (this.detecting) await this.detecting;
    if (this.stopped) return;
    // A tail shorter than a window belongs to an open utterance; elsewhere it is silence.
    if (this.windowFill > 0 && this.utterance) this.appendToUtterance(this.window.slice(0, this.windowFill));
    this.windowFill = 0;
    this.handle(this.gate.flush());
    while (this.transcribing) await this.transcribing;
    this.stop();
  }

  async close(): Promise<void> {
    this.stop();
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort(new Error('the audio pipeline was closed'));
    this.pending.length = 0;
    this.pendingSamples = 0;
    this.finals.length = 0;
    this.partial = undefined;
    this.finalDone?.();
    this.engines.counters.streams--;
  }

  private detect(): void {
    if (this.detecting || this.stopped) return;
    this.detecting = this.detectPending()
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.detecting = undefined;
        // Audio pushed while the loop was ending (after its last look at the queue).
        if (this.pending.length > 0) this.detect();
      });
  }

  private async detectPending(): Promise<void> {
    while (this.pending.length > 0 && !this.stopped) {
      // Speech to text is behind: detection waits, the queue fills and `push` sheds.
      while (this.finals.length >= MAX_PENDING_FINALS && !this.stopped) await new Promise<void>((resolve) => (this.finalDone = resolve));
      if (this.stopped) return;
      const chunk = this.pending.shift()!;
      this.pendingSamples -= chunk.samples.length;
      let offset = 0;
      while (offset < chunk.samples.length) {
        if (this.windowFill === 0) this.windowStartSeconds = chunk.atSeconds + offset / VAD_SAMPLE_RATE;
        const taken = Math.min(VAD_WINDOW_SAMPLES - this.windowFill, chunk.samples.length - offset);
        this.window.set(chunk.samples.subarray(offset, offset + taken), this.windowFill);
        this.windowFill += taken;
        offset += taken;
        if (this.windowFill < VAD_WINDOW_SAMPLES) break;
        const window = this.window.slice();
        this.windowFill = 0;
        const probability = await this.detector.probability(toFloat(window));
        if (this.stopped) return;
        this.engines.counters.vadWindows++;
        this.handle(this.gate.accept(window, this.windowStartSeconds, probability));
      }
    }
  }

  private handle(events: GateEvent[]): void {
    for (const event of events) {
      switch (event.type) {
        case 'voice-activity':
          this.listener.voiceActivity(event.speaking, round(event.atSeconds));
          break;
        case 'utterance-start':
          this.utterance = {
            id: randomUUID(),
            startSeconds: event.atSeconds,
            speechStartSeconds: event.speechAtSeconds,
            chunks: [],
            length: 0,
            samplesSincePartial: 0,
            sentText: '',
            ended: false,
          };
          break;
        case 'utterance-audio':
          this.appendToUtterance(event.samples);
          break;
        case 'utterance-end':
          this.endUtterance(event.speechEndSeconds, event.speechSeconds);
          break;
      }
    }
  }

  private appendToUtterance(samples: Int16Array): void {
    const utterance = this.utterance;
    if (!utterance) return;
    utterance.chunks.push(samples);
    utterance.length += samples.length;
    utterance.samplesSincePartial += samples.length;
    if (utterance.samplesSincePartial >= this.partialSamples && utterance.length >= this.minPartialSamples) {
      utterance.samplesSincePartial = 0;
      this.partial = {
        utterance,
        samples: concat(utterance.chunks, utterance.length),
        endSeconds: utterance.startSeconds + utterance.length / VAD_SAMPLE_RATE,
        final: false,
      };
      this.transcribe();
    }
  }

  private endUtterance(speechEndSeconds: number, speechSeconds: number): void {
    const utterance = this.utterance;
    this.utterance = undefined;
    if (!utterance) return;
    utterance.ended = true;
    if (this.partial?.utterance === utterance) this.partial = undefined;
    if (speechSeconds * 1000 < this.config.vad.minSpeechMs && utterance.sentText === '') {
      this.engines.counters.utterancesIgnored++;
      return;
    }
    const keep = Math.min(utterance.length, Math.round((speechEndSeconds + TAIL_SECONDS - utterance.startSeconds) * VAD_SAMPLE_RATE));
    this.finals.push({ utterance, samples: concat(utterance.chunks, utterance.length).slice(0, keep), endSeconds: speechEndSeconds, final: true });
    this.transcribe();
  }

  private transcribe(): void {
    if (this.transcribing || this.stopped) return;
    this.transcribing = this.transcribeQueued()
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.transcribing = undefined;
        // Work queued while the loop was ending.
        if (this.finals.length > 0 || this.partial) this.transcribe();
      });
  }

  private async transcribeQueued(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const job = this.finals[0] ?? this.partial;
      if (!job) return;
      if (!job.final) this.partial = undefined;
      const { engines, options } = this;
      let transcription: Transcription;
      try {
        transcription = await engines.speechToText.transcribe(
          { samples: job.samples, sampleRate: VAD_SAMPLE_RATE, language: options.language },
          options.owner,
          this.abort.signal,
        );
      } catch (error) {
        if (this.stopped) return;
        engines.counters.transcriptionFailures++;
        throw error;
      }
      if (this.stopped) return;
      engines.counters.transcriptions++;
      if (job.final) {
        this.finals.shift();
        this.finalDone?.();
        this.finalDone = undefined;
      }
      // A partial that finished after its utterance ended is stale: the final says the last word.
      if (!job.final && job.utterance.ended) continue;
      this.report(job, transcription);
    }
  }

  private report(job: TranscriptionJob, transcription: Transcription): void {
    const { utterance } = job;
    const text = transcription.text || (job.final ? utterance.sentText : '');
    if (text === '' || (!job.final && text === utterance.sentText)) return;
    utterance.sentText = text;
    const words = transcription.words;
    const start = words?.length ? utterance.startSeconds + words[0].start : utterance.speechStartSeconds;
    const end = words?.length ? utterance.startSeconds + words[words.length - 1].end : job.endSeconds;
    const segment: TranscriptSegment = {
      id: utterance.id,
      text,
      speaker: 'SPEAKER_00',
      speaker_id: 0,
      is_user: false,
      person_id: null,
      start: round(start),
      end: round(Math.max(end, start)),
      translations: [],
      speech_profile_processed: true,
      stt_provider: this.engines.speechToText.id,
    };
    this.engines.counters.segmentUpdates++;
    this.listener.segments([segment]);
  }

  private fail(error: unknown): void {
    if (this.stopped) return;
    this.stop();
    this.listener.failed(error instanceof Error ? error : new Error(String(error)));
  }
}

function toFloat(window: Int16Array): Float32Array {
  const floats = new Float32Array(window.length);
  for (let index = 0; index < window.length; index++) floats[index] = window[index] / 32768;
  return floats;
}

function concat(chunks: Int16Array[], length: number): Int16Array {
  const joined = new Int16Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined;
}

/** Milliseconds are enough on the conversation's clock. */
function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
