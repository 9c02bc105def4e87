import OpusScript from 'opusscript';
import { DEVICE_FRAME_SAMPLES, OpusFrameEncoder } from './opus-frame-encoder';

/** A second of a speech-like signal: two tones with a slow amplitude swing. */
function signal(): Int16Array {
  return Int16Array.from({ length: 16_000 }, (_, index) => {
    const time = index / 16_000;
    const envelope = 0.5 + 0.5 * Math.sin(2 * Math.PI * 3 * time);
    return Math.round(8000 * envelope * (Math.sin(2 * Math.PI * 220 * time) + 0.5 * Math.sin(2 * Math.PI * 660 * time)));
  });
}

describe('the device Opus encoder', () => {
  it('makes one raw packet per 10 ms at about 32 kbit/s, each decodable on its own', () => {
    const encoder = new OpusFrameEncoder();
    const decoder = new OpusScript(16_000, 1);
    try {
      const input = signal();
      const packets = encoder.encode(input);
      expect(packets).toHaveLength(100);
      const bytes = packets.reduce((sum, packet) => sum + packet.length, 0);
      // 32 kbit/s of 10 ms frames is 40 bytes a frame; VBR moves around it.
      expect(bytes / packets.length).toBeGreaterThan(25);
      expect(bytes / packets.length).toBeLessThan(60);
      // The TOC byte's config (RFC 6716 §3.1): 22 is CELT-only, wideband, 10 ms, as the device sends.
      for (const packet of packets) expect(packet[0] >> 3).toBe(22);
      const decoded = packets.map((packet) => new Int16Array(Uint8Array.from(decoder.decode(packet)).buffer));
      expect(decoded.every((frame) => frame.length === DEVICE_FRAME_SAMPLES)).toBe(true);
      // The decoded audio carries the input's energy, a little delayed by the codec.
      const output = new Int16Array(decoded.length * DEVICE_FRAME_SAMPLES);
      decoded.forEach((frame, index) => output.set(frame, index * DEVICE_FRAME_SAMPLES));
      const energy = (samples: Int16Array) => samples.reduce((sum, sample) => sum + sample * sample, 0) / samples.length;
      expect(energy(output) / energy(input)).toBeGreaterThan(0.6);
      expect(energy(output) / energy(input)).toBeLessThan(1.4);
    } finally {
      encoder.close();
      decoder.delete();
    }
  });

  it('pads the last partial frame with silence', () => {
    const encoder = new OpusFrameEncoder();
    try {
      expect(encoder.encode(new Int16Array(161))).toHaveLength(2);
    } finally {
      encoder.close();
    }
  });
});
