/** 16-bit PCM WAV files as the relay reads them (stt/gateway/wav-encoding.ts writes them). */
export interface PcmAudio {
  samples: Int16Array;
  sampleRate: number;
}

/** Reads a RIFF/WAVE file of 16-bit PCM; several channels are mixed down to one. */
export function parseWav(bytes: Buffer): PcmAudio {
  if (bytes.length < 12 || bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  let format: { channels: number; sampleRate: number; bits: number; encoding: number } | undefined;
  for (let offset = 12; offset + 8 <= bytes.length;) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = bytes.subarray(offset + 8, Math.min(offset + 8 + size, bytes.length));
    if (id === 'fmt ') {
      if (body.length < 16) throw new Error('WAV fmt chunk is too short');
      format = { encoding: body.readUInt16LE(0), channels: body.readUInt16LE(2), sampleRate: body.readUInt32LE(4), bits: body.readUInt16LE(14) };
    } else if (id === 'data') {
      if (!format) throw new Error('WAV data chunk comes before its fmt chunk');
      // 1 = PCM; 0xfffe = WAVE_FORMAT_EXTENSIBLE, which sox writes for PCM too.
      if ((format.encoding !== 1 && format.encoding !== 0xfffe) || format.bits !== 16) {
        throw new Error(`WAV must be 16-bit PCM (found format ${format.encoding}, ${format.bits} bits)`);
      }
      if (format.channels < 1) throw new Error('WAV has no channels');
      const frames = Math.floor(body.length / (2 * format.channels));
      const samples = new Int16Array(frames);
      for (let frame = 0; frame < frames; frame++) {
        let sum = 0;
        for (let channel = 0; channel < format.channels; channel++) sum += body.readInt16LE((frame * format.channels + channel) * 2);
        samples[frame] = Math.round(sum / format.channels);
      }
      return { samples, sampleRate: format.sampleRate };
    }
    offset += 8 + size + (size % 2);
  }
  throw new Error('WAV file has no data chunk');
}

/** Linear-interpolation resampling: enough for speech going to a 16 kHz device encoder. */
export function resample(audio: PcmAudio, sampleRate: number): PcmAudio {
  if (audio.sampleRate === sampleRate) return audio;
  const length = Math.floor((audio.samples.length * sampleRate) / audio.sampleRate);
  const samples = new Int16Array(length);
  const step = audio.sampleRate / sampleRate;
  for (let index = 0; index < length; index++) {
    const position = index * step;
    const left = Math.floor(position);
    const right = Math.min(left + 1, audio.samples.length - 1);
    const fraction = position - left;
    samples[index] = Math.round(audio.samples[left] * (1 - fraction) + audio.samples[right] * fraction);
  }
  return { samples, sampleRate };
}
