import { CODEC_SAMPLE_RATES, type SupportedCodec } from './codecs';
import { OpusPacketDecoder } from './opus-packet-decoder';
import { PcmDecoder } from './pcm-decoder';

/** One packet's outcome: its samples, or why it could not be decoded. */
export type DecodedPacket = { samples: Int16Array } | { undecodable: string };

/**
 * Turns one codec packet (one WebSocket message, one frame of a synced
 * file) into 16-bit mono PCM. Each packet is decoded on its own: a bad one
 * is reported, never dropped silently, and never spoils the next.
 */
export interface AudioDecoder {
  readonly codec: SupportedCodec;
  /** The rate of the samples it returns. */
  readonly sampleRate: number;
  decode(packet: Uint8Array): DecodedPacket;
  close(): void;
}

export async function createAudioDecoder(codec: SupportedCodec): Promise<AudioDecoder> {
  const sampleRate = CODEC_SAMPLE_RATES[codec];
  if (codec === 'opus' || codec === 'opus_fs320') return OpusPacketDecoder.open(codec, sampleRate);
  return new PcmDecoder(codec, sampleRate);
}
