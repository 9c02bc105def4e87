/**
 * The `codec` values of Omi's `/v4/listen`. Those the app may send but this
 * service cannot decode are refused by name (close 1008), as the original
 * backend refuses them, rather than read as garbage.
 */
export const SUPPORTED_CODECS = ['opus', 'opus_fs320', 'pcm16', 'pcm8'] as const;
export type SupportedCodec = (typeof SUPPORTED_CODECS)[number];

/** Codecs of Omi's protocol that are not decoded here. */
export const UNSUPPORTED_CODECS = ['aac', 'lc3_fs1030'] as const;

export function isSupportedCodec(codec: string): codec is SupportedCodec {
  return (SUPPORTED_CODECS as readonly string[]).includes(codec);
}

/**
 * The PCM rate each codec carries. Omi's `pcm8` is 16-bit PCM at 8 kHz (the
 * device's codec id 1), `pcm16` 16-bit PCM at 16 kHz; the Opus codecs are
 * decoded at 16 kHz, the device's microphone rate.
 */
export const CODEC_SAMPLE_RATES: Readonly<Record<SupportedCodec, number>> = {
  opus: 16_000,
  opus_fs320: 16_000,
  pcm16: 16_000,
  pcm8: 8_000,
};
