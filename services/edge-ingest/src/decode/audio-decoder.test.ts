import { opusPackets, rms, tone } from '../__fixtures__/opus-packets';
import { createAudioDecoder, type AudioDecoder } from './audio-decoder';
import { opusPacketShape } from './opus-packet';

describe('audio decoders', () => {
  const decoders: AudioDecoder[] = [];
  afterEach(() => {
    for (const decoder of decoders.splice(0)) decoder.close();
  });
  const open = async (codec: Parameters<typeof createAudioDecoder>[0]) => {
    const decoder = await createAudioDecoder(codec);
    decoders.push(decoder);
    return decoder;
  };

  it('decodes each 10 ms Opus packet of the Dev Kit on its own into 160 samples at 16 kHz', async () => {
    const source = tone(1);
    const packets = opusPackets(source);
    expect(packets).toHaveLength(100);
    const decoder = await open('opus');
    const decoded = packets.map((packet) => decoder.decode(packet));
    const lengths = decoded.map((result) => ('samples' in result ? result.samples.length : result.undecodable));
    expect(new Set(lengths)).toEqual(new Set([160]));
    const all = Int16Array.from(decoded.flatMap((result) => ('samples' in result ? [...result.samples] : [])));
    // The tone comes back at about its loudness (Opus is lossy; silence or noise would not).
    expect(rms(all.subarray(1_600))).toBeGreaterThan(0.7 * rms(source));
    expect(rms(all.subarray(1_600))).toBeLessThan(1.3 * rms(source));
  });

  it('decodes 20 ms packets (opus_fs320) and a packet after a garbage one', async () => {
    const packets = opusPackets(tone(0.2), 320);
    const decoder = await open('opus_fs320');
    expect(decoder.decode(packets[0])).toEqual({ samples: expect.any(Int16Array) });
    expect(decoder.decode(Buffer.from([0x03, 0x00]))).toEqual({ undecodable: expect.stringContaining('zero frames') });
    const next = decoder.decode(packets[1]);
    expect('samples' in next && next.samples.length).toBe(320);
  });

  it.each([
    ['a code-3 packet of zero frames', [0x03, 0x00], 'zero frames'],
    ['a cut-off frame count', [0x03], 'frame count'],
    ['two frames in an odd payload', [0x01, 1, 2, 3], 'even payload'],
    ['a first frame longer than the packet', [0x02, 200, 1], 'longer than the packet'],
    ['padding longer than the packet', [0x03, 0x41, 200, 1, 2], 'padding'],
    ['more than 120 ms of frames', [0xfb, 7], 'longer than 120 ms'],
  ])('refuses %s with a reason', async (_name, bytes, reason) => {
    expect(opusPacketShape(Uint8Array.from(bytes))).toEqual({ valid: false, reason: expect.stringContaining(reason) });
    const decoder = await open('opus');
    expect(decoder.decode(Uint8Array.from(bytes))).toEqual({ undecodable: expect.stringContaining(reason) });
  });

  it('refuses a packet too long for the 120 ms buffer', async () => {
    const decoder = await open('opus');
    expect(decoder.decode(new Uint8Array(5_000))).toEqual({ undecodable: expect.stringContaining('5000 bytes') });
  });

  it('reads pcm16 and pcm8 as 16-bit little-endian samples at 16 and 8 kHz', async () => {
    const pcm16 = await open('pcm16');
    const pcm8 = await open('pcm8');
    expect([pcm16.sampleRate, pcm8.sampleRate]).toEqual([16_000, 8_000]);
    expect(pcm8.decode(Uint8Array.from([0x01, 0x00, 0xff, 0xff, 0x00, 0x80]))).toEqual({ samples: Int16Array.from([1, -1, -32768]) });
    expect(pcm16.decode(Uint8Array.from([1, 2, 3]))).toEqual({ undecodable: expect.stringContaining('odd number') });
  });
});
