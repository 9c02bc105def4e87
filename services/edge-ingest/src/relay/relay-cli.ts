#!/usr/bin/env node
/**
 * The Omi relay simulator from the command line (see examples/omi-relay/README.md):
 * streams a WAV file (or a sentence spoken by flite) to `/v4/listen` as the
 * phone app would, prints the transcript as the server upserts it, and the
 * relay's counts at the end.
 */
import fs from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { speakWithFlite } from './flite-speech';
import { DEVICE_SAMPLE_RATE } from './opus-frame-encoder';
import { OmiRelay, transcriptText, type RelayReport } from './omi-relay';
import { parseWav, resample } from './wav-file';
import { wordErrors } from './word-error-rate';

const usage = `Usage: omi-relay (--wav FILE | --say TEXT) [options]

  --url URL                  server (default ws://127.0.0.1:8080; /v4/listen is added)
  --key KEY                  Switchyard key, sent as a Bearer token (default: $SWITCHYARD_API_KEY)
  --web                      /v4/web/listen with first-message auth instead of the header
  --wav FILE                 16-bit PCM WAV (any rate, mixed to mono, resampled to 16 kHz)
  --say TEXT                 speak TEXT with flite (voice slt) instead of a WAV file
  --reference TEXT           print the word error rate of the transcript against TEXT (default: --say's TEXT)
  --codec opus|pcm16         what the device sends (default opus, the Dev Kit 2's 16 kHz / 10 ms Opus)
  --language LANG            default en
  --conversation-timeout S   Omi's conversation_timeout (server default when absent)
  --pace X                   1 = real time (default), 4 = four times faster, 0 = as fast as possible
  --loss R --duplicates R --reordering R   Bluetooth faults, shares between 0 and 1
  --seed N                   seed of the faults (default 1)
  --notification-bytes N     Bluetooth notification size, header included (default 244)
  --reconnect-after N[,N]    drop the socket after N frames and reconnect with the app's back-off
  --wait-ready               hold the audio until the server says service_status ready
  --linger S                 seconds to keep listening after the audio ends (default 10)
  --json                     print the final report as JSON
`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string', default: 'ws://127.0.0.1:8080' },
      key: { type: 'string' },
      web: { type: 'boolean', default: false },
      wav: { type: 'string' },
      say: { type: 'string' },
      reference: { type: 'string' },
      codec: { type: 'string', default: 'opus' },
      language: { type: 'string', default: 'en' },
      'conversation-timeout': { type: 'string' },
      pace: { type: 'string', default: '1' },
      loss: { type: 'string' },
      duplicates: { type: 'string' },
      reordering: { type: 'string' },
      seed: { type: 'string', default: '1' },
      'notification-bytes': { type: 'string' },
      'reconnect-after': { type: 'string' },
      'wait-ready': { type: 'boolean', default: false },
      linger: { type: 'string', default: '10' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || (!values.wav && !values.say)) {
    process.stderr.write(usage);
    return values.help ? 0 : 2;
  }
  if (values.codec !== 'opus' && values.codec !== 'pcm16') throw new Error(`--codec must be opus or pcm16, not ${values.codec}`);
  const audio = resample(values.wav ? parseWav(fs.readFileSync(values.wav)) : speakWithFlite(values.say ?? ''), DEVICE_SAMPLE_RATE);
  const pace = number('pace', values.pace);
  const relay = new OmiRelay({
    url: values.url,
    credential: values.key ?? process.env.SWITCHYARD_API_KEY,
    web: values.web,
    codec: values.codec,
    language: values.language,
    conversationTimeout: values['conversation-timeout'] === undefined ? undefined : number('conversation-timeout', values['conversation-timeout']),
    pace: pace === 0 ? Infinity : pace,
    faults: {
      loss: optionalNumber('loss', values.loss),
      duplicates: optionalNumber('duplicates', values.duplicates),
      reordering: optionalNumber('reordering', values.reordering),
    },
    seed: number('seed', values.seed),
    notificationBytes: optionalNumber('notification-bytes', values['notification-bytes']),
    awaitReady: values['wait-ready'],
    reconnectAfterFrames: values['reconnect-after']?.split(',').map((entry) => number('reconnect-after', entry)),
    onMessage: (message) => {
      if (message.kind === 'segments')
        for (const segment of message.segments)
          process.stdout.write(`[${segment.start.toFixed(2)}–${segment.end.toFixed(2)}] ${segment.id}: ${segment.text}\n`);
      else if (message.kind === 'event') process.stdout.write(`event ${message.event.type}\n`);
      else if (message.kind === 'other') process.stdout.write(`message ${message.text}\n`);
    },
  });
  process.stderr.write(`omi-relay: streaming ${(audio.samples.length / DEVICE_SAMPLE_RATE).toFixed(1)} s to ${relay.listenUrl()}\n`);
  try {
    await relay.stream(audio.samples);
    await delay(number('linger', values.linger) * 1000);
  } finally {
    await relay.close();
  }
  const report = relay.snapshot();
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : describe(report));
  const reference = values.reference ?? values.say;
  if (reference) {
    const errors = wordErrors(reference, transcriptText(report));
    process.stdout.write(
      `word error rate ${(errors.rate * 100).toFixed(1)} % (${errors.substitutions} substituted, ${errors.deletions} deleted, ${errors.insertions} inserted of ${errors.referenceWords})\n`,
    );
  }
  return report.failure ? 1 : 0;
}

function describe(report: RelayReport): string {
  return [
    `frames: ${report.framesEncoded} encoded, ${report.assembly.frames} reassembled, ${report.framesSent} sent, ${report.framesDroppedOffline} dropped while offline`,
    `link faults: ${report.faults.lost} lost, ${report.faults.duplicated} duplicated, ${report.faults.reordered} reordered`,
    `reassembly: ${report.assembly.duplicates} duplicates dropped, ${report.assembly.gaps} ids missing, ${report.assembly.late} late dropped, ${report.assembly.droppedFrames} frames dropped`,
    `sockets: ${report.connections} opened, closes ${report.closes.map((close) => `${close.code}${close.forced ? ' (forced)' : ''}`).join(', ') || 'none'}, ${report.pings} pings`,
    `transcript: ${transcriptText(report)}`,
    ...(report.failure ? [`failure: ${report.failure}`] : []),
    '',
  ].join('\n');
}

function number(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new Error(`--${name} must be a number, not ${JSON.stringify(text)}`);
  return value;
}

function optionalNumber(name: string, text: string | undefined): number | undefined {
  return text === undefined ? undefined : number(name, text);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`omi-relay: ${error.message}\n`);
      process.exit(2);
    },
  );
}
