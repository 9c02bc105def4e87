import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseWav, type PcmAudio } from './wav-file';

/** Debian's flite binary (scripts/services.sh installs it); overridable for other layouts. */
export const FLITE_PATH = process.env.SWITCHYARD_FLITE_PATH ?? '/usr/bin/flite';

/** Speaks `text` with flite's voice `slt` (16 kHz mono): real speech for tests, the bench and the relay CLI. */
export function speakWithFlite(text: string): PcmAudio {
  if (!fs.existsSync(FLITE_PATH)) throw new Error(`flite is missing at ${FLITE_PATH} (scripts/services.sh up flite, or apt-get install flite)`);
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'flite-'));
  try {
    const file = path.join(directory, 'speech.wav');
    execFileSync(FLITE_PATH, ['-voice', 'slt', '-t', text, '-o', file]);
    return parseWav(fs.readFileSync(file));
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}
