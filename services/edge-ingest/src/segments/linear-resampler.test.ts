import { LinearResampler } from './linear-resampler';

describe('LinearResampler', () => {
  it('doubles 8 kHz to 16 kHz across chunk boundaries as if the stream were one chunk', () => {
    const input = Int16Array.from({ length: 400 }, (_, index) => Math.round(10_000 * Math.sin((2 * Math.PI * 440 * index) / 8000)));
    const whole = new LinearResampler(8000, 16_000).process(input);
    const chunked = new LinearResampler(8000, 16_000);
    const parts = [input.subarray(0, 7), input.subarray(7, 160), input.subarray(160, 161), input.subarray(161)].map((part) => chunked.process(part));
    const joined = Int16Array.from(parts.flatMap((part) => Array.from(part)));
    expect(Array.from(joined)).toEqual(Array.from(whole));
    expect(whole.length).toBe(799);
    // Every other sample is an input sample; those between are the midpoints.
    expect(whole[10]).toBe(input[5]);
    expect(whole[11]).toBe(Math.round((input[5] + input[6]) / 2));
  });

  it('passes 16 kHz through and brings 48 kHz down to a third', () => {
    const input = Int16Array.from({ length: 4800 }, (_, index) => index % 1000);
    expect(new LinearResampler(16_000, 16_000).process(input)).toBe(input);
    const down = new LinearResampler(48_000, 16_000).process(input);
    expect(down.length).toBe(1600);
    expect(down[1]).toBe(input[3]);
    expect(() => new LinearResampler(0, 16_000)).toThrow(RangeError);
  });
});
