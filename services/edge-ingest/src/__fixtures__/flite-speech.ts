import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWav } from './wav-file';

const FLITE = process.env.SWITCHYARD_FLITE_PATH ?? 'flite';

/**
 * Real speech for the tests: Debian's flite, voice `slt` (16 kHz mono). It is
 * installed by `./scripts/services.sh up flite`; a missing flite fails the
 * test that needs it, loudly.
 */
export function synthesizeSpeech(text: string): { samples: Int16Array; sampleRate: number } {
  const directory = mkdtempSync(join(tmpdir(), 'switchyard-flite-'));
  try {
    const path = join(directory, 'speech.wav');
    try {
      execFileSync(FLITE, ['-voice', 'slt', '-t', text, '-o', path], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      throw new Error(`flite could not speak (${(error as Error).message}); install it with ./scripts/services.sh up flite`, { cause: error });
    }
    const { samples, sampleRate } = readWav(readFileSync(path));
    return { samples, sampleRate };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** `seconds` of digital silence at `sampleRate`. */
export function silence(seconds: number, sampleRate: number): Int16Array {
  return new Int16Array(Math.round(seconds * sampleRate));
}

/** Uniform white noise of the given peak amplitude, from a seeded generator (the same every run). */
export function whiteNoise(seconds: number, sampleRate: number, amplitude: number, seed = 1): Int16Array {
  const samples = new Int16Array(Math.round(seconds * sampleRate));
  let state = seed >>> 0 || 1;
  for (let index = 0; index < samples.length; index++) {
    // xorshift32
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    samples[index] = Math.round((state / 0xffffffff - 0.5) * 2 * amplitude);
  }
  return samples;
}

export function joinAudio(...parts: Int16Array[]): Int16Array {
  const joined = new Int16Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}
