import { encodeWav as encodeWavBytes } from '../stt/gateway/wav-encoding';
import { parseWav, resample, type PcmAudio } from './wav-file';

function encodeWav(audio: PcmAudio): Buffer {
  return Buffer.from(encodeWavBytes(audio.samples, audio.sampleRate));
}

describe('WAV files', () => {
  it('round-trips mono 16-bit PCM', () => {
    const samples = Int16Array.from([0, 1000, -1000, 32767, -32768]);
    expect(parseWav(encodeWav({ samples, sampleRate: 16_000 }))).toEqual({ samples, sampleRate: 16_000 });
  });

  it('mixes several channels down to one and skips unknown chunks', () => {
    const mono = encodeWav({ samples: Int16Array.from([100, 200, 300, 400]), sampleRate: 8000 });
    // Rewrite as stereo: two frames of (100, 200) and (300, 400), with a LIST chunk before the data.
    const stereo = Buffer.from(mono);
    stereo.writeUInt16LE(2, 22);
    stereo.writeUInt16LE(4, 32);
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc'), Buffer.from([0])]);
    const withList = Buffer.concat([stereo.subarray(0, 36), list, stereo.subarray(36)]);
    expect(parseWav(withList)).toEqual({ samples: Int16Array.from([150, 350]), sampleRate: 8000 });
  });

  it('refuses what is not 16-bit PCM WAV', () => {
    expect(() => parseWav(Buffer.from('not a wav file at all'))).toThrow(/RIFF/);
    const eightBit = encodeWav({ samples: Int16Array.from([1, 2]), sampleRate: 8000 });
    eightBit.writeUInt16LE(8, 34);
    expect(() => parseWav(eightBit)).toThrow(/16-bit/);
  });

  it('resamples by interpolation', () => {
    const doubled = resample({ samples: Int16Array.from([0, 100, 200]), sampleRate: 8000 }, 16_000);
    expect([...doubled.samples]).toEqual([0, 50, 100, 150, 200, 200]);
  });
});
