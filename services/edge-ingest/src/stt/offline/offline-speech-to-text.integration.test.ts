import path from 'node:path';
import OpusScript from 'opusscript';
import { SPEECH_SCRIPT } from '../../__fixtures__/speech-script';
import { SpeechToTextUnavailable, type StreamOwner } from '../../contracts';
import { speakWithFlite } from '../../relay/flite-speech';
import { DEVICE_FRAME_SAMPLES, OpusFrameEncoder } from '../../relay/opus-frame-encoder';
import { resample } from '../../relay/wav-file';
import { wordErrors } from '../../relay/word-error-rate';
import { OfflineSpeechToText, offlineWhisperPaths } from './offline-speech-to-text';

// Installed by scripts/services.sh up whisper (and flite); a missing install fails these tests, it does not skip them.
const TOOLS_DIRECTORY = path.resolve(process.env.SWITCHYARD_SERVICES_TOOLS_DIR ?? path.join(__dirname, '../../../../../.services/tools'));
const owner: StreamOwner = { workspace: 'default', uid: 'user-1', keyId: '' };

/** The bounds the README states for this engine on flite `slt` speech (measured: see the README). */
const CLEAN_WER_BOUND = 0.05;
const OPUS_WER_BOUND = 0.08;

function opusRoundTrip(samples: Int16Array): Int16Array {
  const encoder = new OpusFrameEncoder();
  const decoder = new OpusScript(16_000, 1);
  try {
    const packets = encoder.encode(samples);
    const output = new Int16Array(packets.length * DEVICE_FRAME_SAMPLES);
    packets.forEach((packet, index) => output.set(new Int16Array(Uint8Array.from(decoder.decode(packet)).buffer), index * DEVICE_FRAME_SAMPLES));
    return output;
  } finally {
    encoder.close();
    decoder.delete();
  }
}

describe('the offline speech-to-text engine (Whisper base, CPU)', () => {
  let engine: OfflineSpeechToText;
  const speech = SPEECH_SCRIPT.map((sentence) => speakWithFlite(sentence));

  beforeAll(async () => {
    engine = new OfflineSpeechToText({ ...offlineWhisperPaths(TOOLS_DIRECTORY), threads: 2 });
    await engine.start();
  }, 120_000);

  afterAll(async () => {
    await engine?.close();
  });

  async function wordErrorRateOf(transform: (samples: Int16Array) => Int16Array, sampleRate = 16_000): Promise<number> {
    const heard: string[] = [];
    for (const audio of speech) {
      const samples = resample({ samples: transform(audio.samples), sampleRate: audio.sampleRate }, sampleRate).samples;
      heard.push((await engine.transcribe({ samples, sampleRate, language: 'en' }, owner)).text);
    }
    const errors = wordErrors(SPEECH_SCRIPT.join(' '), heard.join(' '));
    process.stdout.write(`offline WER ${(errors.rate * 100).toFixed(2)} % (${JSON.stringify(errors)}): ${heard.join(' ')}\n`);
    return errors.rate;
  }

  it('transcribes clean synthetic speech within the stated word error rate', async () => {
    expect(await wordErrorRateOf((samples) => samples)).toBeLessThanOrEqual(CLEAN_WER_BOUND);
  }, 120_000);

  it('transcribes speech that went through the device Opus codec within the stated word error rate', async () => {
    expect(await wordErrorRateOf(opusRoundTrip)).toBeLessThanOrEqual(OPUS_WER_BOUND);
  }, 120_000);

  it('hears 8 kHz audio (pcm8 streams) after resampling it', async () => {
    const { text } = await engine.transcribe({ ...resample(speech[2], 8000), language: 'en' }, owner);
    expect(wordErrors(SPEECH_SCRIPT[2], text).rate).toBeLessThanOrEqual(0.2);
  }, 60_000);

  it('gives word timings when asked', async () => {
    const timed = new OfflineSpeechToText({ ...offlineWhisperPaths(TOOLS_DIRECTORY), wordTimings: true });
    try {
      const { words } = await timed.transcribe({ ...speech[0], language: 'en' }, owner);
      expect(words?.length).toBeGreaterThan(5);
      const seconds = speech[0].samples.length / speech[0].sampleRate;
      for (const word of words ?? []) {
        expect(word.start).toBeLessThanOrEqual(word.end);
        expect(word.end).toBeLessThanOrEqual(seconds + 0.5);
      }
    } finally {
      await timed.close();
    }
  }, 120_000);

  it('drops an aborted request and still answers the next', async () => {
    const controller = new AbortController();
    const aborted = engine.transcribe({ ...speech[1], language: 'en' }, owner, controller.signal);
    const next = engine.transcribe({ ...speech[3], language: 'en' }, owner);
    controller.abort(new Error('stream closed'));
    await expect(aborted).rejects.toThrow('stream closed');
    expect(wordErrors(SPEECH_SCRIPT[3], (await next).text).rate).toBeLessThanOrEqual(0.2);
  }, 60_000);

  it('reports a missing model as unavailable', async () => {
    const missing = new OfflineSpeechToText({ pythonPath: offlineWhisperPaths(TOOLS_DIRECTORY).pythonPath, modelDirectory: '/nonexistent/model' });
    await expect(missing.transcribe({ ...speech[0], language: 'en' }, owner)).rejects.toBeInstanceOf(SpeechToTextUnavailable);
    await missing.close();
  });

  it('reports a worker that dies mid-request as unavailable, then starts a new one', async () => {
    const fragile = new OfflineSpeechToText(offlineWhisperPaths(TOOLS_DIRECTORY));
    try {
      await fragile.start();
      const worker = (fragile as unknown as { worker: { kill(signal: string): void } }).worker;
      const lost = fragile.transcribe({ ...speech[4], language: 'en' }, owner);
      worker.kill('SIGKILL');
      await expect(lost).rejects.toBeInstanceOf(SpeechToTextUnavailable);
      expect(wordErrors(SPEECH_SCRIPT[5], (await fragile.transcribe({ ...speech[5], language: 'en' }, owner)).text).rate).toBeLessThanOrEqual(0.2);
    } finally {
      await fragile.close();
    }
  }, 120_000);
});
