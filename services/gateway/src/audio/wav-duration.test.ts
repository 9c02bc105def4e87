import { wavDurationSeconds } from './wav-duration';

/** A RIFF/WAVE file: `fmt ` (PCM16, `channels`, `sampleRate`), any `extra` chunks, then `data` of `samples` frames. */
function wav(options: { sampleRate: number; channels: number; samples: number; extra?: Buffer; dataSize?: number }): Buffer {
  const { sampleRate, channels, samples, extra = Buffer.alloc(0) } = options;
  const dataBytes = samples * channels * 2;
  const header = Buffer.alloc(36);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(28 + extra.length + 8 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  const dataHeader = Buffer.alloc(8);
  dataHeader.write('data', 0, 'ascii');
  dataHeader.writeUInt32LE(options.dataSize ?? dataBytes, 4);
  return Buffer.concat([header, extra, dataHeader, Buffer.alloc(dataBytes)]);
}

/** A `LIST` chunk of odd length: its padding byte must be skipped. */
function listChunk(): Buffer {
  const chunk = Buffer.alloc(8 + 5 + 1);
  chunk.write('LIST', 0, 'ascii');
  chunk.writeUInt32LE(5, 4);
  chunk.write('INFOx', 8, 'ascii');
  return chunk;
}

describe('wavDurationSeconds', () => {
  it.each([
    ['16 kHz mono', { sampleRate: 16_000, channels: 1, samples: 32_000 }, 2],
    ['44.1 kHz stereo', { sampleRate: 44_100, channels: 2, samples: 22_050 }, 0.5],
    ['a LIST chunk before the data', { sampleRate: 8_000, channels: 1, samples: 12_000, extra: listChunk() }, 1.5],
    ['a streamed file whose data size was never written', { sampleRate: 16_000, channels: 1, samples: 8_000, dataSize: 0xffffffff }, 0.5],
    ['a data size past the end of the file', { sampleRate: 16_000, channels: 1, samples: 4_000, dataSize: 1_000_000 }, 0.25],
  ])('reads %s', (_case, options, seconds) => {
    expect(wavDurationSeconds(wav(options))).toBeCloseTo(seconds, 9);
  });

  it('reads a file that is a view into a larger buffer', () => {
    const file = wav({ sampleRate: 16_000, channels: 1, samples: 16_000 });
    const larger = Buffer.concat([Buffer.alloc(7), file]);
    expect(wavDurationSeconds(larger.subarray(7))).toBe(1);
  });

  it.each([
    ['an MP3', Buffer.from('ID3\u0004\u0000\u0000\u0000\u0000\u0000\u0000 frames')],
    ['a truncated header', Buffer.from('RIFF\u0000\u0000')],
    ['data before fmt', Buffer.concat([Buffer.from('RIFF\u0000\u0000\u0000\u0000WAVEdata\u0004\u0000\u0000\u0000'), Buffer.alloc(4)])],
    ['no data chunk', wav({ sampleRate: 16_000, channels: 1, samples: 0 }).subarray(0, 36)],
  ])('gives no duration for %s', (_case, file) => {
    expect(wavDurationSeconds(file)).toBeUndefined();
  });
});
