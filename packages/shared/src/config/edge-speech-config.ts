import { z } from 'zod';

/**
 * Voice-activity detection (Silero VAD) in front of speech to text. The
 * defaults are those of Omi's own backend (threshold 0.65, 300 ms pre-roll,
 * 4 s hangover), so a relay that acts on the server's voice activity behaves
 * as it does there.
 */
const vadSchema = z.strictObject({
  /** Speech probability at or above which a window is speech. */
  threshold: z.number().gt(0).lt(1).default(0.65),
  /** Audio kept before speech starts, so the first syllable is not cut. */
  preRollMs: z.number().int().min(0).max(2_000).default(300),
  /** Silence after speech before voice activity is reported off (a relay may stop sending then). */
  hangoverMs: z.number().int().min(0).max(60_000).default(4_000),
  /** Silence that ends an utterance: the segment is transcribed a last time and no longer grows. */
  utteranceEndMs: z.number().int().min(100).max(10_000).default(700),
  /** An utterance with less speech than this is noise: never transcribed. */
  minSpeechMs: z.number().int().min(0).max(5_000).default(250),
});

/** Cloud speech to text through the gateway's own `POST /v1/audio/transcriptions`. */
const gatewaySchema = z.strictObject({
  /** Where the gateway answers; in one process its own address is used when this is left out. */
  baseUrl: z
    .url()
    .refine((value) => !/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(value), { message: 'must not hold credentials; the stream’s own key is sent' })
    .optional(),
  /** One transcription request, retries included. */
  timeoutMs: z.number().int().positive().max(300_000).default(30_000),
  /** Attempts after a failure that may pass (a 429, a 5xx, a reset connection). */
  retries: z.number().int().min(0).max(5).default(2),
  /**
   * `verbose_json` gives word timings, so segments start and end where the
   * words do; `json` is for models that only answer text (gpt-4o-transcribe).
   */
  responseFormat: z.enum(['verbose_json', 'json']).default('verbose_json'),
});

/**
 * `edge.speech`: how the edge streams' audio becomes transcript segments.
 * `offline` runs a model in this process; `gateway` sends each utterance to
 * `/v1/audio/transcriptions` (routed, recorded and billed like any request)
 * with the stream's own key.
 */
export const edgeSpeechConfigSchema = z
  .strictObject({
    engine: z.enum(['offline', 'gateway']).default('offline'),
    /** The model asked for: `gateway` sends it as `model` (default `whisper-1`); `offline` picks its own when left out. */
    model: z.string().min(1).max(256).optional(),
    gateway: gatewaySchema.prefault({}),
    vad: vadSchema.prefault({}),
    /** A growing utterance is transcribed again after this much new audio, so its segment grows (Omi's app expects about 0.6 s). */
    partialIntervalMs: z.number().int().min(100).max(10_000).default(600),
    /** A longer utterance is cut there: its segment ends and a new one starts (re-transcription grows with length). */
    maxUtteranceSeconds: z.number().int().min(2).max(120).default(20),
    /** Audio a stream may have waiting for detection and transcription; beyond it `push` sheds (counted). */
    queueSeconds: z.number().int().min(1).max(600).default(30),
  })
  .prefault({});

export type EdgeSpeechConfig = z.infer<typeof edgeSpeechConfigSchema>;
