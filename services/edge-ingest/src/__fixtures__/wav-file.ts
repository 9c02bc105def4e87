/** Reads a RIFF/WAVE file of 16-bit PCM (mono, or the first channel of more). */
export function readWav(file: Uint8Array): { samples: Int16Array; sampleRate: number; channels: number } {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const tag = (offset: number) => String.fromCharCode(...file.subarray(offset, offset + 4));
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let offset = 12;
  let sampleRate = 0;
  let channels = 0;
  let bits = 0;
  let format = 0;
  while (offset + 8 <= file.length) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = view.getUint16(body, true);
      channels = view.getUint16(body + 2, true);
      sampleRate = view.getUint32(body + 4, true);
      bits = view.getUint16(body + 14, true);
    } else if (id === 'data') {
      if (format !== 1 || bits !== 16) throw new Error(`only 16-bit PCM is read here, not format ${format} at ${bits} bits`);
      const frames = Math.floor(Math.min(size, file.length - body) / (2 * channels));
      const samples = new Int16Array(frames);
      for (let index = 0; index < frames; index++) samples[index] = view.getInt16(body + index * 2 * channels, true);
      return { samples, sampleRate, channels };
    }
    offset = body + size + (size % 2);
  }
  throw new Error('the WAVE file has no data chunk');
}
