import {
  invalidRequest,
  transcriptionResponseFormats,
  type RequestLimits,
  type TranscriptionRequest,
  type TranscriptionResponseFormat,
} from '@switchyard/shared';
import type { MultipartPart } from '../http/read-multipart-body';

/** Fields read into the canonical request; each may appear once. */
const SINGLE_FIELDS = new Set(['file', 'model', 'language', 'prompt', 'response_format', 'temperature', 'stream']);
const GRANULARITIES = new Set(['word', 'segment']);
const INCLUDES = new Set(['logprobs']);
/** ISO-639-1 (`en`), or a longer tag some servers take (`en-US`, `yue`). */
const LANGUAGE = /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$/;
/** A form field name passed through: what OpenAI's SDKs and curl send (`chunking_strategy`, `known_speaker_names[]`, `chunking_strategy[type]`). */
const PASSED_FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\[[A-Za-z0-9_]*\])*$/;

/**
 * OpenAI's `POST /v1/audio/transcriptions` form, read into a canonical
 * request: `file` (one, not empty) and `model` required, `response_format`
 * one of OpenAI's (json by default), `temperature` in [0, 1],
 * `timestamp_granularities[]` only with `verbose_json`, `include[]` only
 * `logprobs`. Streamed answers (`stream=true`) are refused. Other fields
 * are sent on as they came. Each bad field is a 400 naming it.
 */
export function parseTranscriptionRequest(parts: readonly MultipartPart[], limits: RequestLimits): TranscriptionRequest {
  const single = new Map<string, MultipartPart>();
  const granularities: string[] = [];
  const include: string[] = [];
  const extraFields: [string, string][] = [];
  for (const part of parts) {
    const { name } = part;
    if (SINGLE_FIELDS.has(name)) {
      if (single.has(name)) throw invalidRequest(`The form field "${name}" is given more than once.`, name, 'duplicate_field');
      single.set(name, part);
    } else if (name === 'timestamp_granularities[]' || name === 'timestamp_granularities') {
      const value = textOf(part);
      if (!GRANULARITIES.has(value))
        throw invalidRequest(`timestamp_granularities[] must be "word" or "segment", not "${value}".`, 'timestamp_granularities', 'invalid_value');
      if (!granularities.includes(value)) granularities.push(value);
    } else if (name === 'include[]' || name === 'include') {
      const value = textOf(part);
      if (!INCLUDES.has(value)) throw invalidRequest(`include[] may only hold "logprobs", not "${value}".`, 'include', 'invalid_value');
      if (!include.includes(value)) include.push(value);
    } else {
      if (part.filename !== undefined) throw invalidRequest(`Only the field "file" may hold a file; "${name}" does.`, name, 'unexpected_file');
      if (!PASSED_FIELD_NAME.test(name)) throw invalidRequest(`The form field name "${name}" is not one OpenAI's API uses.`, name, 'invalid_field');
      extraFields.push([name, textOf(part)]);
    }
  }

  const file = single.get('file');
  if (file === undefined) throw invalidRequest('The form field "file" is required: the audio to transcribe.', 'file', 'missing_required_parameter');
  if (file.filename === undefined)
    throw invalidRequest('The form field "file" must be a file upload (with a filename), not a text field.', 'file', 'invalid_value');
  if (file.data.length === 0) throw invalidRequest('The uploaded file is empty.', 'file', 'invalid_value');

  const model = textField(single, 'model');
  if (model === undefined || model === '') throw invalidRequest('The form field "model" is required.', 'model', 'missing_required_parameter');
  if (model.length > limits.modelMaxLength)
    throw invalidRequest(`model must be at most ${limits.modelMaxLength} characters.`, 'model', 'string_above_max_length');

  const format = textField(single, 'response_format') ?? 'json';
  if (!(transcriptionResponseFormats as readonly string[]).includes(format)) {
    throw invalidRequest(
      `response_format must be one of ${transcriptionResponseFormats.join(', ')}; got "${format}".`,
      'response_format',
      'invalid_value',
    );
  }
  const responseFormat = format as TranscriptionResponseFormat;
  if (granularities.length > 0 && responseFormat !== 'verbose_json') {
    throw invalidRequest('timestamp_granularities[] needs response_format verbose_json.', 'timestamp_granularities', 'invalid_value');
  }

  const stream = textField(single, 'stream');
  if (stream !== undefined && stream !== 'false') {
    throw invalidRequest(
      'Streamed transcriptions (stream=true) are not supported by this gateway; leave stream unset.',
      'stream',
      'unsupported_value',
    );
  }

  const request: TranscriptionRequest = {
    model,
    file: { filename: file.filename || 'audio', contentType: file.contentType ?? 'application/octet-stream', data: file.data },
    responseFormat,
    timestampGranularities: granularities,
    include,
    extraFields,
  };
  const language = textField(single, 'language');
  if (language !== undefined) {
    if (!LANGUAGE.test(language))
      throw invalidRequest(`language must be an ISO-639-1 code such as "en"; got "${language}".`, 'language', 'invalid_value');
    request.language = language;
  }
  const prompt = textField(single, 'prompt');
  if (prompt !== undefined) request.prompt = prompt;
  const temperature = textField(single, 'temperature');
  if (temperature !== undefined) {
    const value = temperature.trim() === '' ? Number.NaN : Number(temperature);
    if (!Number.isFinite(value) || value < 0 || value > 1)
      throw invalidRequest(`temperature must be a number from 0 to 1; got "${temperature}".`, 'temperature', 'invalid_value');
    request.temperature = value;
  }
  return request;
}

function textField(single: ReadonlyMap<string, MultipartPart>, name: string): string | undefined {
  const part = single.get(name);
  if (part === undefined) return undefined;
  if (part.filename !== undefined) throw invalidRequest(`The form field "${name}" must be text, not a file.`, name, 'unexpected_file');
  return textOf(part);
}

/** A text field's value; one that is not UTF-8 is refused rather than garbled upstream. */
function textOf(part: MultipartPart): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(part.data);
  } catch {
    throw invalidRequest(`The form field "${part.name}" is not valid UTF-8 text.`, part.name, 'invalid_value');
  }
}
