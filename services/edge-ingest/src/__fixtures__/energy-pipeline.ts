import type { AudioPipeline, AudioPipelineFactory, AudioPipelineListener, AudioPipelineOptions, TranscriptSegment } from '../contracts';

export interface EnergyPipelineOptions {
  /** Pushes held at once; past it `push` sheds (returns false). */
  capacity?: number;
  /** Whether held pushes are processed at once (false: they wait, so the queue fills). */
  draining?: boolean;
  /** Extra characters in each segment's text, to make the socket's output large. */
  padding?: number;
}

/**
 * A small real `AudioPipeline` for tests of the socket: loud audio is
 * "speech" (voice activity on/off by energy), and each 0.5 s of it grows
 * one segment whose text counts the speech so far, re-sent with the same id.
 */
export class EnergyPipelines {
  readonly started: { options: AudioPipelineOptions; pipeline: EnergyPipeline }[] = [];

  constructor(private readonly settings: EnergyPipelineOptions = {}) {}

  readonly factory: AudioPipelineFactory = (options, listener) => {
    const pipeline = new EnergyPipeline(options, listener, this.settings);
    this.started.push({ options, pipeline });
    return pipeline;
  };
}

export class EnergyPipeline implements AudioPipeline {
  pushed = 0;
  pushedSeconds = 0;
  shed = 0;
  finished = false;
  private held = 0;
  private speaking = false;
  private speechSamples = 0;
  private segmentStart = 0;
  private reported = 0;

  constructor(
    private readonly options: AudioPipelineOptions,
    private readonly listener: AudioPipelineListener,
    private readonly settings: EnergyPipelineOptions,
  ) {}

  push(samples: Int16Array, atSeconds: number): boolean {
    if (this.held >= (this.settings.capacity ?? Infinity)) {
      this.shed++;
      return false;
    }
    this.pushed++;
    this.pushedSeconds += samples.length / this.options.sampleRate;
    if (this.settings.draining === false) {
      this.held++;
      return true;
    }
    let energy = 0;
    for (const sample of samples) energy += sample * sample;
    const loud = Math.sqrt(energy / samples.length) > 1_000;
    if (loud !== this.speaking) {
      this.speaking = loud;
      this.listener.voiceActivity(loud, atSeconds);
      if (loud) this.segmentStart = atSeconds;
    }
    if (loud) {
      this.speechSamples += samples.length;
      const seconds = this.speechSamples / this.options.sampleRate;
      if (seconds - this.reported >= 0.5) {
        this.reported = seconds;
        this.listener.segments([this.segment(atSeconds + samples.length / this.options.sampleRate, seconds)]);
      }
    }
    return true;
  }

  /** Fails as a dead speech-to-text engine would. */
  fail(): void {
    this.listener.failed(new Error('speech to text is gone'));
  }

  async finish(): Promise<void> {
    this.finished = true;
  }

  async close(): Promise<void> {}

  private segment(end: number, seconds: number): TranscriptSegment {
    return {
      id: `${this.options.conversationId}-seg-0`,
      text: `speech ${seconds.toFixed(1)} s${'.'.repeat(this.settings.padding ?? 0)}`,
      speaker: 'SPEAKER_00',
      speaker_id: 0,
      is_user: false,
      person_id: null,
      start: this.segmentStart,
      end,
      translations: [],
      speech_profile_processed: true,
      stt_provider: 'energy-test',
    };
  }
}
