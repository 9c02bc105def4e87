/**
 * Streaming linear-interpolation resampler for 16-bit PCM, used to bring a
 * stream to the 16 kHz that voice-activity detection and speech to text
 * work at. Omi streams are 16 kHz (Opus, pcm16) or 8 kHz (pcm8): upsampling
 * needs no anti-alias filter; a higher rate is decimated without one, which
 * costs some quality but no intelligibility.
 */
export class LinearResampler {
  private readonly step: number;
  /** Where the next output sample falls, in input samples from the current chunk's first (−1 is the previous chunk's last). */
  private position = 0;
  private previous: number | undefined;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
  ) {
    if (!(fromRate > 0 && toRate > 0)) throw new RangeError(`sample rates must be positive, not ${fromRate} → ${toRate}`);
    this.step = fromRate / toRate;
  }

  process(input: Int16Array): Int16Array {
    if (this.fromRate === this.toRate) return input;
    const count = input.length;
    if (count === 0) return input;
    const output: number[] = [];
    let position = this.previous === undefined ? Math.max(this.position, 0) : this.position;
    while (position <= count - 1) {
      const index = Math.floor(position);
      const fraction = position - index;
      const from = index < 0 ? this.previous! : input[index];
      const to = index + 1 < count ? input[index + 1] : from;
      output.push(Math.round(from + (to - from) * fraction));
      position += this.step;
    }
    this.position = position - count;
    this.previous = input[count - 1];
    return Int16Array.from(output);
  }
}
