import { randomBytes } from 'node:crypto';
import {
  providerBadResponse,
  type CallContext,
  type TranscriptionRequest,
  type TranscriptionResponse,
  type TranscriptionResponseFormat,
} from '@switchyard/shared';
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from '../../http/upstream-client';
import { openAITranscriptionResponseSchema } from './openai-api';
import { readOpenAIError, openAIInBandError } from './openai-error';

/** Sends a prepared body (with its content type) to the provider; a non-2xx answer is read and thrown. */
export type SendTranscription = (body: Uint8Array, contentType: string, context: CallContext) => Promise<[UpstreamRequest, UpstreamResponse]>;

/**
 * OpenAI's `POST /audio/transcriptions` for any upstream that speaks it
 * (OpenAI, the OpenAI-compatible presets, Azure's deployment URL): the
 * canonical request back into multipart form with `model` the deployment's,
 * the answer kept as sent, its transcript and usage read out of it.
 */
export async function transcribeWithOpenAI(
  http: UpstreamClient,
  providerId: string,
  model: string,
  request: TranscriptionRequest,
  context: CallContext,
  send: SendTranscription,
): Promise<TranscriptionResponse> {
  const { body, contentType } = openAITranscriptionForm(model, request);
  const [upstreamRequest, upstreamResponse] = await send(body, contentType, context);
  const text = await http.readText(upstreamResponse, upstreamRequest);
  const header = upstreamResponse.headers['content-type'];
  const answeredType = (Array.isArray(header) ? header[0] : header) || defaultContentType(request.responseFormat);
  return readOpenAITranscription(providerId, model, request.responseFormat, answeredType, text);
}

/** The multipart body of one transcription: every field as OpenAI names it, the audio last. */
export function openAITranscriptionForm(model: string, request: TranscriptionRequest): { body: Uint8Array; contentType: string } {
  const boundary = `switchyard-${randomBytes(16).toString('hex')}`;
  const fields: [string, string][] = [
    ['model', model],
    ['response_format', request.responseFormat],
  ];
  if (request.language !== undefined) fields.push(['language', request.language]);
  if (request.prompt !== undefined) fields.push(['prompt', request.prompt]);
  if (request.temperature !== undefined) fields.push(['temperature', String(request.temperature)]);
  for (const granularity of request.timestampGranularities) fields.push(['timestamp_granularities[]', granularity]);
  for (const item of request.include) fields.push(['include[]', item]);
  fields.push(...request.extraFields);
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${formName(name)}"\r\n\r\n${value}\r\n`));
  }
  const { file } = request;
  parts.push(
    Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${formName(file.filename)}"\r\n` +
        `content-type: ${file.contentType.replace(/[\r\n]/g, '')}\r\n\r\n`,
    ),
    Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A name or file name in a `content-disposition` header, escaped as browsers do (WHATWG). */
function formName(name: string): string {
  return name.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');
}

/** The answer as sent, with its transcript, duration and token usage read out of it. */
export function readOpenAITranscription(
  providerId: string,
  model: string,
  format: TranscriptionResponseFormat,
  contentType: string,
  body: string,
): TranscriptionResponse {
  if (format === 'text' || format === 'srt' || format === 'vtt') {
    return { model, contentType, body, text: format === 'text' ? body.trim() : captionText(body) };
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw providerBadResponse(providerId, `body is not JSON: ${body.slice(0, 200)}`);
  }
  if ((json as { error?: unknown } | null)?.error != null) {
    const fields = readOpenAIError(json);
    if (fields) throw openAIInBandError(providerId, fields);
  }
  const parsed = openAITranscriptionResponseSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw providerBadResponse(providerId, `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  const { text, duration, usage } = parsed.data;
  const response: TranscriptionResponse = { model, contentType, body, text };
  const seconds = duration ?? (usage?.type === 'duration' ? usage.seconds : undefined);
  if (typeof seconds === 'number' && seconds >= 0) response.durationSeconds = seconds;
  if (usage?.type === 'tokens') {
    response.usage = { inputTokens: usage.input_tokens ?? 0, outputTokens: usage.output_tokens ?? 0 };
    const audioTokens = usage.input_token_details?.audio_tokens;
    if (typeof audioTokens === 'number') response.audioInputTokens = audioTokens;
  }
  return response;
}

/** The words of SRT or WebVTT captions: every line but the header, cue numbers, timings and blank ones. */
function captionText(captions: string): string {
  const lines: string[] = [];
  for (const raw of captions.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line === 'WEBVTT' || /^\d+$/.test(line) || line.includes('-->')) continue;
    lines.push(line);
  }
  return lines.join(' ');
}

function defaultContentType(format: TranscriptionResponseFormat): string {
  if (format === 'text' || format === 'srt') return 'text/plain; charset=utf-8';
  if (format === 'vtt') return 'text/vtt; charset=utf-8';
  return 'application/json';
}
