import { OpusDecoder } from 'opus-decoder';
import type { AudioDecoder, DecodedPacket } from './audio-decoder';
import type { SupportedCodec } from './codecs';
import { opusPacketShape } from './opus-packet';

/**
 * The decoder's own input buffer (opus-decoder sizes it for 120 ms at
 * 256 kbit/s); a longer packet would not fit, so it is refused first.
 */
const MAX_PACKET_BYTES = 3_840;

/**
 * Raw Opus packets (no Ogg, no length prefix), each decoded on its own by
 * libopus compiled to WebAssembly (`opus-decoder`), whose output buffer holds
 * 120 ms: the longest packet Opus allows, so no frame is cut or dropped.
 * Mono at 16 kHz, the Dev Kit's rate; libopus resamples anything else.
 */
export class OpusPacketDecoder implements AudioDecoder {
  private closed = false;

  private constructor(
    readonly codec: SupportedCodec,
    readonly sampleRate: number,
    private readonly decoder: OpusDecoder<16000 | 8000>,
  ) {}

  static async open(codec: SupportedCodec, sampleRate: number): Promise<OpusPacketDecoder> {
    const decoder = new OpusDecoder({ channels: 1, sampleRate: sampleRate as 16000 | 8000 });
    await decoder.ready;
    return new OpusPacketDecoder(codec, sampleRate, decoder);
  }

  decode(packet: Uint8Array): DecodedPacket {
    if (this.closed) return { undecodable: 'the decoder is closed' };
    if (packet.byteLength > MAX_PACKET_BYTES) return { undecodable: `a packet of ${packet.byteLength} bytes is longer than ${MAX_PACKET_BYTES}` };
    const shape = opusPacketShape(packet);
    if (!shape.valid) return { undecodable: `not an Opus packet: ${shape.reason}` };
    const decoded = this.decoder.decodeFrame(packet);
    if (decoded.errors.length > 0 || decoded.samplesDecoded === 0) {
      return { undecodable: decoded.errors[0]?.message ?? 'libopus decoded no samples' };
    }
    return { samples: toPcm16(decoded.channelData[0], decoded.samplesDecoded) };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.decoder.free();
  }
}

function toPcm16(channel: Float32Array, length: number): Int16Array {
  const samples = new Int16Array(length);
  for (let index = 0; index < length; index++) {
    const value = channel[index];
    samples[index] = value >= 1 ? 32767 : value <= -1 ? -32768 : Math.round(value * 32767);
  }
  return samples;
}
