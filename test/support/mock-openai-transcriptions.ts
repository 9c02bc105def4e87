import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server that answers `POST /v1/audio/transcriptions` as
 * api.openai.com does: the multipart form read with the platform's own
 * parser (not Switchyard's), and answers in each `response_format` with
 * OpenAI's shapes — `whisper-1` billed by duration (`usage.type`
 * `duration`), `gpt-4o-transcribe` by tokens (`usage.type` `tokens`),
 * `verbose_json` with the segments and words asked for, text, SRT and
 * WebVTT as plain bodies, errors as `{"error": {…}}`.
 */

export interface ReceivedTranscription {
  headers: IncomingHttpHeaders;
  /** Every text field, in order, names as sent (`timestamp_granularities[]`). */
  fields: [string, string][];
  file?: { name: string; type: string; bytes: Buffer };
}

export type TranscriptionBehaviour = { kind: 'error'; status: number; body: unknown } | { kind: 'answer' };

export interface MockTranscriptionUpstream {
  /** `http://127.0.0.1:PORT/v1` */
  baseUrl: string;
  readonly received: ReceivedTranscription[];
  /** FIFO, one per request; `answer` when empty. */
  enqueue(behaviour: TranscriptionBehaviour): void;
  close(): Promise<void>;
}

/** What the mock hears in any audio. */
export const TRANSCRIPT = 'The quick brown fox jumps over the lazy dog.';
/** Seconds OpenAI bills whisper-1 for (its `usage.seconds`, whole seconds) and reports as `duration`. */
export const BILLED_SECONDS = 3;
export const REPORTED_DURATION = 2.5;
/** gpt-4o-transcribe's usage for the transcript. */
export const TOKEN_USAGE = {
  type: 'tokens',
  input_tokens: 24,
  input_token_details: { text_tokens: 4, audio_tokens: 20 },
  output_tokens: 11,
  total_tokens: 35,
};

const WORDS = TRANSCRIPT.split(' ');

function verboseJson(granularities: string[]): Record<string, unknown> {
  const body: Record<string, unknown> = { task: 'transcribe', language: 'english', duration: REPORTED_DURATION, text: TRANSCRIPT };
  if (granularities.includes('word')) {
    body.words = WORDS.map((word, index) => ({ word: word.replace(/\.$/, ''), start: index * 0.25, end: index * 0.25 + 0.2 }));
  }
  if (granularities.length === 0 || granularities.includes('segment')) {
    body.segments = [
      {
        id: 0,
        seek: 0,
        start: 0,
        end: REPORTED_DURATION,
        text: ` ${TRANSCRIPT}`,
        tokens: [50364, 440, 1702, 6292, 21283, 16147, 670, 264, 14847, 3000, 13, 50489],
        temperature: 0,
        avg_logprob: -0.21,
        compression_ratio: 0.87,
        no_speech_prob: 0.0013,
      },
    ];
  }
  body.usage = { type: 'duration', seconds: BILLED_SECONDS };
  return body;
}

export const SRT = `1\n00:00:00,000 --> 00:00:02,500\n${TRANSCRIPT}\n\n`;
export const VTT = `WEBVTT\n\n00:00:00.000 --> 00:00:02.500\n${TRANSCRIPT}\n\n`;

export async function startMockTranscriptionUpstream(): Promise<MockTranscriptionUpstream> {
  const received: ReceivedTranscription[] = [];
  const queue: TranscriptionBehaviour[] = [];

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (request.method !== 'POST' || request.url !== '/v1/audio/transcriptions') {
      sendJson(response, 404, {
        error: { message: `Unknown request URL: ${request.method} ${request.url}`, type: 'invalid_request_error', param: null, code: 'unknown_url' },
      });
      return;
    }
    const form = await new Request('http://upstream/', {
      method: 'POST',
      headers: { 'content-type': String(request.headers['content-type']) },
      body: Buffer.concat(chunks),
    }).formData();
    const entry: ReceivedTranscription = { headers: request.headers, fields: [] };
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') entry.fields.push([name, value]);
      else entry.file = { name: value.name, type: value.type, bytes: Buffer.from(await value.arrayBuffer()) };
    }
    received.push(entry);
    const behaviour = queue.shift() ?? { kind: 'answer' };
    if (behaviour.kind === 'error') {
      sendJson(response, behaviour.status, behaviour.body);
      return;
    }
    const field = (name: string) => entry.fields.find(([key]) => key === name)?.[1];
    if (!entry.file) {
      sendJson(response, 400, { error: { message: "you must provide a 'file' field", type: 'invalid_request_error', param: 'file', code: null } });
      return;
    }
    const model = field('model');
    const format = field('response_format') ?? 'json';
    const granularities = entry.fields.filter(([name]) => name === 'timestamp_granularities[]').map(([, value]) => value);
    if (model === 'gpt-4o-transcribe') {
      if (format === 'text') sendText(response, 'text/plain; charset=utf-8', `${TRANSCRIPT}\n`);
      else sendJson(response, 200, { text: TRANSCRIPT, usage: TOKEN_USAGE });
      return;
    }
    switch (format) {
      case 'json':
        sendJson(response, 200, { text: TRANSCRIPT, usage: { type: 'duration', seconds: BILLED_SECONDS } });
        return;
      case 'verbose_json':
        sendJson(response, 200, verboseJson(granularities));
        return;
      case 'text':
        sendText(response, 'text/plain; charset=utf-8', `${TRANSCRIPT}\n`);
        return;
      case 'srt':
        sendText(response, 'text/plain; charset=utf-8', SRT);
        return;
      case 'vtt':
        sendText(response, 'text/vtt; charset=utf-8', VTT);
        return;
      default:
        sendJson(response, 400, {
          error: { message: `Invalid response_format: ${format}`, type: 'invalid_request_error', param: 'response_format', code: null },
        });
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: { message: String(error), type: 'server_error', param: null, code: null } });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    received,
    enqueue: (behaviour) => queue.push(behaviour),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function sendText(response: ServerResponse, contentType: string, text: string): void {
  response.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** A WAV file (RIFF, PCM16 mono) of `seconds` of a 440 Hz tone at `sampleRate`. */
export function toneWav(seconds: number, sampleRate = 16_000): Buffer {
  const samples = Math.round(seconds * sampleRate);
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVE', 8, 'ascii');
  wav.write('fmt ', 12, 'ascii');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(sampleRate, 24);
  wav.writeUInt32LE(sampleRate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(samples * 2, 40);
  for (let index = 0; index < samples; index++)
    wav.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * index) / sampleRate)), 44 + index * 2);
  return wav;
}
