import OpusScript from 'opusscript';

/** A tone at `frequency` Hz, `seconds` long, 16-bit mono at `sampleRate`. */
export function tone(seconds: number, frequency = 440, sampleRate = 16_000): Int16Array {
  const samples = new Int16Array(Math.round(seconds * sampleRate));
  for (let index = 0; index < samples.length; index++) samples[index] = Math.round(8_000 * Math.sin((2 * Math.PI * frequency * index) / sampleRate));
  return samples;
}

/**
 * Raw Opus packets as the Dev Kit 2 makes them: 16 kHz mono, 10 ms frames
 * (160 samples), restricted low delay (CELT), 32 kbit/s.
 */
export function opusPackets(samples: Int16Array, frameSamples = 160): Buffer[] {
  const encoder = new OpusScript(16_000, 1, OpusScript.Application.RESTRICTED_LOWDELAY, { wasm: true });
  try {
    encoder.setBitrate(32_000);
    const packets: Buffer[] = [];
    for (let start = 0; start + frameSamples <= samples.length; start += frameSamples) {
      const frame = Buffer.from(samples.buffer, samples.byteOffset + start * 2, frameSamples * 2);
      packets.push(Buffer.from(encoder.encode(frame, frameSamples)));
    }
    return packets;
  } finally {
    encoder.delete();
  }
}

/** Root mean square of 16-bit samples. */
export function rms(samples: Int16Array): number {
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return Math.sqrt(sum / Math.max(1, samples.length));
}
