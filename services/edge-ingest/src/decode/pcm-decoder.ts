import type { AudioDecoder, DecodedPacket } from './audio-decoder';
import type { SupportedCodec } from './codecs';

/** Omi's `pcm16` and `pcm8`: 16-bit little-endian mono samples as they are. */
export class PcmDecoder implements AudioDecoder {
  constructor(
    readonly codec: SupportedCodec,
    readonly sampleRate: number,
  ) {}

  decode(packet: Uint8Array): DecodedPacket {
    if (packet.byteLength % 2 !== 0) return { undecodable: `an odd number of bytes (${packet.byteLength}) is not 16-bit PCM` };
    const samples = new Int16Array(packet.byteLength / 2);
    const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
    for (let index = 0; index < samples.length; index++) samples[index] = view.getInt16(index * 2, true);
    return { samples };
  }

  close(): void {}
}
