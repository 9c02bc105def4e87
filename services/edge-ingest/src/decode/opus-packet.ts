/**
 * Whether bytes can be one Opus packet, by the rules of RFC 6716 §3.4
 * (R1–R7), and how long its audio is. Checked before the decoder sees a
 * packet, so garbage is reported with a reason of its own and never reaches
 * libopus (which logs each refusal to the console itself).
 */
export type OpusPacketShape = { valid: true; frames: number; durationMs: number } | { valid: false; reason: string };

const MAX_FRAME_BYTES = 1275;
/** The longest a packet may be: 120 ms (R5). */
export const MAX_PACKET_DURATION_MS = 120;

export function opusPacketShape(packet: Uint8Array): OpusPacketShape {
  if (packet.length < 1) return invalid('an empty packet');
  const toc = packet[0];
  const frameMs = frameDurationMs(toc >> 3);
  const code = toc & 0x3;
  const payload = packet.length - 1;
  if (code === 0) {
    if (payload > MAX_FRAME_BYTES) return invalid(`a frame of ${payload} bytes is longer than ${MAX_FRAME_BYTES}`);
    return shape(1, frameMs);
  }
  if (code === 1) {
    if (payload % 2 !== 0) return invalid('two equal frames need an even payload');
    if (payload / 2 > MAX_FRAME_BYTES) return invalid(`frames of ${payload / 2} bytes are longer than ${MAX_FRAME_BYTES}`);
    return shape(2, frameMs);
  }
  if (code === 2) {
    const first = frameLength(packet, 1);
    if (first === undefined) return invalid('the first frame length is cut off');
    const rest = packet.length - 1 - first.bytes - first.length;
    if (rest < 0) return invalid('the first frame is longer than the packet');
    if (first.length > MAX_FRAME_BYTES || rest > MAX_FRAME_BYTES) return invalid(`a frame is longer than ${MAX_FRAME_BYTES} bytes`);
    return shape(2, frameMs);
  }
  // Code 3: a frame count byte, optional padding, then CBR or VBR frames.
  if (packet.length < 2) return invalid('the frame count byte is missing');
  const countByte = packet[1];
  const vbr = (countByte & 0x80) !== 0;
  const padded = (countByte & 0x40) !== 0;
  const frames = countByte & 0x3f;
  if (frames === 0) return invalid('a packet of zero frames');
  if (frames * frameMs > MAX_PACKET_DURATION_MS) return invalid(`${frames} frames of ${frameMs} ms are longer than ${MAX_PACKET_DURATION_MS} ms`);
  let offset = 2;
  let padding = 0;
  if (padded) {
    for (;;) {
      if (offset >= packet.length) return invalid('the padding length is cut off');
      const byte = packet[offset++];
      padding += byte === 255 ? 254 : byte;
      if (byte !== 255) break;
    }
  }
  let remaining = packet.length - offset - padding;
  if (remaining < 0) return invalid('the padding is longer than the packet');
  if (!vbr) {
    if (remaining % frames !== 0) return invalid('constant-bitrate frames do not divide the payload evenly');
    if (remaining / frames > MAX_FRAME_BYTES) return invalid(`frames are longer than ${MAX_FRAME_BYTES} bytes`);
    return shape(frames, frameMs);
  }
  for (let index = 0; index < frames - 1; index++) {
    const length = frameLength(packet, offset);
    if (length === undefined) return invalid('a frame length is cut off');
    offset += length.bytes;
    remaining -= length.bytes + length.length;
    if (length.length > MAX_FRAME_BYTES || remaining < 0) return invalid('a frame is longer than the packet allows');
  }
  if (remaining > MAX_FRAME_BYTES) return invalid(`the last frame is longer than ${MAX_FRAME_BYTES} bytes`);
  return shape(frames, frameMs);
}

/** Frame duration by TOC configuration: SILK 10/20/40/60, hybrid 10/20, CELT 2.5/5/10/20 ms. */
function frameDurationMs(config: number): number {
  if (config < 12) return [10, 20, 40, 60][config % 4];
  if (config < 16) return [10, 20][config % 2];
  return [2.5, 5, 10, 20][config % 4];
}

/** A frame length in one byte (< 252) or two (252–255, then ×4). */
function frameLength(packet: Uint8Array, offset: number): { length: number; bytes: number } | undefined {
  if (offset >= packet.length) return undefined;
  const first = packet[offset];
  if (first < 252) return { length: first, bytes: 1 };
  if (offset + 1 >= packet.length) return undefined;
  return { length: first + 4 * packet[offset + 1], bytes: 2 };
}

function shape(frames: number, frameMs: number): OpusPacketShape {
  return { valid: true, frames, durationMs: frames * frameMs };
}

function invalid(reason: string): OpusPacketShape {
  return { valid: false, reason };
}
