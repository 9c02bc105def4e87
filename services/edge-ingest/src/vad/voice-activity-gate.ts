import { VAD_SAMPLE_RATE } from './silero-vad';

export interface VoiceActivityGateOptions {
  threshold: number;
  preRollMs: number;
  hangoverMs: number;
  utteranceEndMs: number;
  maxUtteranceSeconds: number;
}

/** What one window did to the stream, in order. */
export type GateEvent =
  /** An utterance began at `atSeconds` (its pre-roll's first sample); its speech at `speechAtSeconds`. */
  | { type: 'utterance-start'; atSeconds: number; speechAtSeconds: number }
  /** Audio of the current utterance (pre-roll, speech and the pauses inside it). */
  | { type: 'utterance-audio'; samples: Int16Array }
  /** The current utterance ended: `speechEndSeconds` is where its last speech window ended. */
  | { type: 'utterance-end'; speechEndSeconds: number; speechSeconds: number; cut: boolean }
  /** Voice activity as a relay sees it: on at speech, off after the hangover of silence. */
  | { type: 'voice-activity'; speaking: boolean; atSeconds: number };

/**
 * Turns per-window speech probabilities into utterances and voice activity:
 * a window at or above the threshold starts an utterance (with the pre-roll
 * before it); one below the lower threshold (0.15 under it, as Silero's own
 * iterator does) counts as silence; `utteranceEndMs` of silence ends it, a
 * too-long one is cut and continues as a new one. Pure: no clock, no I/O.
 */
export class VoiceActivityGate {
  private readonly lowThreshold: number;
  private readonly preRollSamples: number;
  private readonly preRoll: { samples: Int16Array; atSeconds: number }[] = [];
  private preRollLength = 0;
  private inUtterance = false;
  private utteranceStart = 0;
  /** Counted in samples, so long streams add up exactly. */
  private silenceSamples = 0;
  private speechSamples = 0;
  private lastSpeechEnd = 0;
  private speaking = false;

  constructor(private readonly options: VoiceActivityGateOptions) {
    this.lowThreshold = Math.max(0.01, options.threshold - 0.15);
    this.preRollSamples = Math.round((options.preRollMs / 1000) * VAD_SAMPLE_RATE);
  }

  /** One window (16 kHz) starting at `atSeconds`, with its speech probability. */
  accept(window: Int16Array, atSeconds: number, probability: number): GateEvent[] {
    const events: GateEvent[] = [];
    const end = atSeconds + window.length / VAD_SAMPLE_RATE;
    const isSpeech = probability >= this.options.threshold;
    // Between the two thresholds a window keeps the state it is in.
    const isSilence = probability < this.lowThreshold || (!this.inUtterance && !isSpeech);

    if (isSpeech && !this.speaking) {
      this.speaking = true;
      events.push({ type: 'voice-activity', speaking: true, atSeconds });
    }
    if (isSpeech) this.lastSpeechEnd = end;

    if (!this.inUtterance) {
      if (isSpeech) {
        const start = this.preRoll.length > 0 ? this.preRoll[0].atSeconds : atSeconds;
        this.beginUtterance(start, atSeconds, events);
        for (const held of this.preRoll) events.push({ type: 'utterance-audio', samples: held.samples });
        this.preRoll.length = 0;
        this.preRollLength = 0;
        events.push({ type: 'utterance-audio', samples: window });
        this.speechSamples += window.length;
      } else {
        this.holdForPreRoll(window, atSeconds);
      }
    } else {
      events.push({ type: 'utterance-audio', samples: window });
      if (isSilence) {
        this.silenceSamples += window.length;
      } else {
        this.silenceSamples = 0;
        if (isSpeech) this.speechSamples += window.length;
      }
      if ((this.silenceSamples * 1000) / VAD_SAMPLE_RATE >= this.options.utteranceEndMs) {
        this.endUtterance(events, false);
      } else if (end - this.utteranceStart >= this.options.maxUtteranceSeconds) {
        this.endUtterance(events, true);
        // A cut in the middle of speech: the next window goes on in a new utterance.
        if (!isSilence) this.beginUtterance(end, end, events);
      }
    }

    if (this.speaking && !isSpeech && (end - this.lastSpeechEnd) * 1000 >= this.options.hangoverMs) {
      this.speaking = false;
      events.push({ type: 'voice-activity', speaking: false, atSeconds: end });
    }
    return events;
  }

  /** The stream ended: an open utterance ends with it. */
  flush(): GateEvent[] {
    const events: GateEvent[] = [];
    if (this.inUtterance) this.endUtterance(events, false);
    if (this.speaking) {
      this.speaking = false;
      events.push({ type: 'voice-activity', speaking: false, atSeconds: this.lastSpeechEnd });
    }
    return events;
  }

  private beginUtterance(atSeconds: number, speechAtSeconds: number, events: GateEvent[]): void {
    this.inUtterance = true;
    this.utteranceStart = atSeconds;
    this.silenceSamples = 0;
    this.speechSamples = 0;
    events.push({ type: 'utterance-start', atSeconds, speechAtSeconds });
  }

  private endUtterance(events: GateEvent[], cut: boolean): void {
    this.inUtterance = false;
    events.push({
      type: 'utterance-end',
      speechEndSeconds: Math.max(this.lastSpeechEnd, this.utteranceStart),
      speechSeconds: this.speechSamples / VAD_SAMPLE_RATE,
      cut,
    });
    this.silenceSamples = 0;
    this.speechSamples = 0;
  }

  private holdForPreRoll(window: Int16Array, atSeconds: number): void {
    if (this.preRollSamples === 0) return;
    this.preRoll.push({ samples: window, atSeconds });
    this.preRollLength += window.length;
    while (this.preRoll.length > 1 && this.preRollLength - this.preRoll[0].samples.length >= this.preRollSamples) {
      this.preRollLength -= this.preRoll.shift()!.samples.length;
    }
  }
}
