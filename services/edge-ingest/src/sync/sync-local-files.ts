import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError, invalidRequest, openAIErrorBody, type EdgeConfig } from '@switchyard/shared';
import type { StreamOwner } from '../contracts';
import { createAudioDecoder } from '../decode/audio-decoder';
import { isSupportedCodec, type SupportedCodec } from '../decode/codecs';
import type { ListenStreamDependencies } from '../omi/listen-stream';
import { MultipartError, multipartBoundary, parseMultipart, type MultipartPart } from './multipart-body';
import { readSyncedFrames } from './synced-file';

export interface SyncDependencies extends ListenStreamDependencies {
  sync: EdgeConfig['sync'];
  /** Seconds of silence that end a synced file's conversation. */
  timeoutSeconds: number;
}

/** What each file came to, in the order sent. */
export interface SyncedFileResult {
  name: string;
  frames: number;
  undecodable: number;
  /** Frames the pipeline could not take (its queue was full): counted, not hidden. */
  shed: number;
  conversation_id: string;
}

/** `*_<unix seconds>.bin`: the device's recording time is in the name. */
const FILE_NAME = /^[^/\\]{0,200}_(\d{1,11})\.bin$/;

/**
 * `POST /v1/sync-local-files`: what the device recorded with no phone in
 * reach, uploaded later by the app as `.bin` files of 4-byte little-endian
 * length-prefixed frames (multipart field `files`, repeated). Each file
 * goes through the same decoding and pipeline as a live stream, into a
 * conversation that starts at the time in its name. Opus unless a codec
 * (`pcm16`, `pcm8`, `opus_fs320`) is one of the name's `_` parts.
 */
export async function syncLocalFiles(
  request: IncomingMessage,
  response: ServerResponse,
  owner: StreamOwner,
  dependencies: SyncDependencies,
): Promise<void> {
  let files: MultipartPart[];
  try {
    files = await readFiles(request, dependencies.sync);
  } catch (error) {
    answerError(response, error);
    return;
  }
  const language = new URL(request.url ?? '/', 'http://edge').searchParams.get('language') ?? 'en';
  const results: SyncedFileResult[] = [];
  try {
    await dependencies.prepare?.().catch((error: unknown) => {
      throw new PipelineFailed(error instanceof Error ? error : new Error(String(error)));
    });
    for (const file of files) results.push(await syncFile(file, owner, language, dependencies));
  } catch (error) {
    if (!(error instanceof PipelineFailed)) throw error;
    dependencies.logger.warn({ err: error.cause }, 'edge-sync-pipeline-failed');
    answerError(response, new GatewayError('Speech to text failed while the files were processed; send them again.', { status: 503, errorClass: 'unavailable', code: 'speech_to_text_failed' }));
    return;
  }
  const body = JSON.stringify({ conversation_ids: [...new Set(results.map((result) => result.conversation_id))], files: results });
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

async function readFiles(request: IncomingMessage, limits: EdgeConfig['sync']): Promise<MultipartPart[]> {
  const boundary = multipartBoundary(request.headers['content-type']);
  if (boundary === undefined) throw invalidRequest('Send multipart/form-data with one or more `files`.', 'files', 'invalid_content_type');
  const body = await readBoundedBody(request, limits.maxBodyBytes);
  let parts: MultipartPart[];
  try {
    parts = parseMultipart(body, boundary);
  } catch (error) {
    throw invalidRequest(`The multipart body is malformed: ${(error as MultipartError).message}.`, 'files', 'invalid_multipart');
  }
  const files = parts.filter((part) => part.name === 'files');
  if (files.length === 0) throw invalidRequest('Send one or more `files` (`*_<unix seconds>.bin`).', 'files', 'missing_files');
  if (files.length > limits.maxFiles) throw invalidRequest(`At most ${limits.maxFiles} files may be sent at once; ${files.length} were.`, 'files', 'too_many_files');
  for (const file of files) {
    if (!file.filename || !FILE_NAME.test(file.filename)) {
      throw invalidRequest(`The file ${JSON.stringify((file.filename ?? '').slice(0, 100))} is not named *_<unix seconds>.bin.`, 'files', 'invalid_file_name');
    }
  }
  return files;
}

async function syncFile(file: MultipartPart, owner: StreamOwner, language: string, dependencies: SyncDependencies): Promise<SyncedFileResult> {
  const { tracker, pipelines, metrics } = dependencies;
  const name = file.filename as string;
  const startedAt = new Date(Number(FILE_NAME.exec(name)?.[1]) * 1000);
  const codec = codecOf(name);
  const decoder = await createAudioDecoder(codec);
  const conversation = await tracker.open(owner, { language, timeoutSeconds: dependencies.timeoutSeconds, source: 'sync', startedAt });
  let failure: Error | undefined;
  const pipeline = pipelines(
    { owner, conversationId: conversation.id, language, sampleRate: decoder.sampleRate, offsetSeconds: conversation.offsetSeconds },
    { segments: (updated) => conversation.segments(updated), voiceActivity: () => undefined, failed: (error) => (failure = error) },
  );
  const result: SyncedFileResult = { name, frames: 0, undecodable: 0, shed: 0, conversation_id: conversation.id };
  let decodedSamples = 0;
  let decodedFrames = 0;
  try {
    const { frames, malformedTail } = readSyncedFrames(file.data);
    result.undecodable += malformedTail ? 1 : 0;
    for (const frame of frames) {
      result.frames++;
      const decoded = decoder.decode(frame);
      if ('undecodable' in decoded) {
        result.undecodable++;
        continue;
      }
      const atSeconds = conversation.offsetSeconds + decodedSamples / decoder.sampleRate;
      decodedSamples += decoded.samples.length;
      conversation.audio(decoded.samples, decoder.sampleRate);
      if (pipeline.push(decoded.samples, atSeconds)) decodedFrames++;
      else result.shed++;
    }
    await pipeline.finish();
  } finally {
    decoder.close();
    conversation.detach();
  }
  metrics.packet(codec, 'decoded', decodedFrames);
  metrics.packet(codec, 'undecodable', result.undecodable);
  metrics.packet(codec, 'shed_pipeline', result.shed);
  metrics.syncedFile('processed');
  if (failure) throw new PipelineFailed(failure);
  return result;
}

/** The pipeline reported that speech to text failed for good. */
class PipelineFailed extends Error {
  constructor(override readonly cause: Error) {
    super('the audio pipeline failed');
  }
}

function codecOf(name: string): SupportedCodec {
  return name.split('_').find((part): part is SupportedCodec => isSupportedCodec(part)) ?? 'opus';
}

async function readBoundedBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function tooLarge(maxBytes: number): GatewayError {
  return new GatewayError(`The body is larger than ${maxBytes} bytes (edge.sync.maxBodyBytes).`, { status: 413, errorClass: 'payload_too_large', param: 'files', code: 'request_too_large' });
}

function answerError(response: ServerResponse, error: unknown): void {
  const gatewayError =
    error instanceof GatewayError ? error : new GatewayError('The files could not be read.', { status: 400, errorClass: 'invalid_request', param: 'files', code: 'invalid_request' });
  const body = JSON.stringify(openAIErrorBody(gatewayError));
  // A body not read to its end (too large) is not drained: the connection closes after the answer.
  const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  if (gatewayError.status === 413) headers.connection = 'close';
  response.writeHead(gatewayError.status, headers);
  response.end(body);
}
