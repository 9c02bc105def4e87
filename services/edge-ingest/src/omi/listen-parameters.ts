import { CODEC_SAMPLE_RATES, isSupportedCodec, UNSUPPORTED_CODECS, type SupportedCodec } from '../decode/codecs';

/** What `/v4/listen`'s query asks for, with Omi's defaults filled in. */
export interface ListenParameters {
  codec: SupportedCodec;
  /** The rate of the decoded samples. */
  sampleRate: number;
  language: string;
  /** Seconds of silence after which the conversation ends (Omi: at least 120; -1 is 4 hours). */
  conversationTimeoutSeconds: number;
}

export class ListenParameterError extends Error {
  override readonly name = 'ListenParameterError';
}

const FOUR_HOURS_SECONDS = 4 * 60 * 60;
const MIN_CONVERSATION_TIMEOUT_SECONDS = 120;
/** A BCP-47 tag as the app sends it (`en`, `pt-BR`, `zh-Hans`), or Deepgram's `multi`. */
const LANGUAGE = /^(?:[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*|multi)$/;

/**
 * Reads the query as Omi's backend does: `codec` pcm8, `sample_rate` 8000,
 * `language` en and `conversation_timeout` 120 when absent. `uid` (and the
 * app's other parameters, `include_speech_profile`, `stt_service`, …) are
 * ignored: the user comes from the credential. A `sample_rate` that
 * contradicts the codec is refused rather than decoded at the wrong speed.
 * A shorter `conversation_timeout` is raised to `minConversationTimeoutSeconds`
 * (Omi's 120; `edge.conversations.minTimeoutSeconds`, which tests lower).
 */
export function readListenParameters(query: URLSearchParams, minConversationTimeoutSeconds = MIN_CONVERSATION_TIMEOUT_SECONDS): ListenParameters {
  const codecName = query.get('codec') ?? 'pcm8';
  if ((UNSUPPORTED_CODECS as readonly string[]).includes(codecName)) {
    throw new ListenParameterError(`The codec ${codecName} is not supported; send opus, opus_fs320, pcm16 or pcm8.`);
  }
  if (!isSupportedCodec(codecName))
    throw new ListenParameterError(`Unknown codec ${JSON.stringify(codecName.slice(0, 32))}; send opus, opus_fs320, pcm16 or pcm8.`);
  const sampleRate = CODEC_SAMPLE_RATES[codecName];
  const requestedRate = query.get('sample_rate');
  // Omi's default rate (8000) goes with its default codec (pcm8); the other codecs carry their own rate.
  if (requestedRate !== null && Number(requestedRate) !== sampleRate) {
    throw new ListenParameterError(
      `The codec ${codecName} is ${sampleRate} Hz; sample_rate ${JSON.stringify(requestedRate.slice(0, 16))} does not match it.`,
    );
  }
  const language = query.get('language') ?? 'en';
  if (!LANGUAGE.test(language) || language.length > 35)
    throw new ListenParameterError(`Unsupported language ${JSON.stringify(language.slice(0, 35))}.`);
  return {
    codec: codecName,
    sampleRate,
    language,
    conversationTimeoutSeconds: conversationTimeout(query.get('conversation_timeout'), minConversationTimeoutSeconds),
  };
}

function conversationTimeout(value: string | null, minimumSeconds: number): number {
  if (value === null) return MIN_CONVERSATION_TIMEOUT_SECONDS;
  if (!/^-?\d{1,9}$/.test(value)) throw new ListenParameterError('conversation_timeout must be a whole number of seconds, or -1.');
  const seconds = Number(value);
  if (seconds === -1) return FOUR_HOURS_SECONDS;
  if (seconds < 0) throw new ListenParameterError('conversation_timeout must be a whole number of seconds, or -1.');
  return Math.min(FOUR_HOURS_SECONDS, Math.max(minimumSeconds, seconds));
}
