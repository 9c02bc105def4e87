import { create } from '@bufbuild/protobuf';
import { chatV1 } from '@switchyard/proto';
import { transcriptionResponseFormats, type TranscriptionRequest, type TranscriptionResponse } from '@switchyard/shared';
import { usageFromProto, usageToProto } from './chat-response-codec';
import { oneOf, optionalInt64, optionalNumber, required, withoutUndefined } from './proto-values';

/** The audio travels as `bytes`, once: the adapter service sends it upstream as the client uploaded it. */

export function transcriptionRequestToProto(request: TranscriptionRequest): chatV1.TranscriptionRequest {
  return create(chatV1.TranscriptionRequestSchema, {
    model: request.model,
    file: { filename: request.file.filename, contentType: request.file.contentType, data: request.file.data },
    responseFormat: request.responseFormat,
    language: request.language,
    prompt: request.prompt,
    temperature: request.temperature,
    timestampGranularities: request.timestampGranularities,
    include: request.include,
    extraFields: request.extraFields.map(([name, value]) => ({ name, value })),
  });
}

export function transcriptionRequestFromProto(message: chatV1.TranscriptionRequest): TranscriptionRequest {
  const file = required(message.file, 'transcription_request.file');
  return withoutUndefined({
    model: message.model,
    file: { filename: file.filename, contentType: file.contentType, data: file.data },
    responseFormat: oneOf(transcriptionResponseFormats, message.responseFormat, 'transcription_request.response_format'),
    language: message.language,
    prompt: message.prompt,
    temperature: message.temperature,
    timestampGranularities: message.timestampGranularities,
    include: message.include,
    extraFields: message.extraFields.map((field): [string, string] => [field.name, field.value]),
  });
}

export function transcriptionResponseToProto(response: TranscriptionResponse): chatV1.TranscriptionResponse {
  return create(chatV1.TranscriptionResponseSchema, {
    model: response.model,
    contentType: response.contentType,
    body: response.body,
    text: response.text,
    durationSeconds: response.durationSeconds,
    usage: response.usage && usageToProto(response.usage),
    audioInputTokens: optionalInt64(response.audioInputTokens),
  });
}

export function transcriptionResponseFromProto(message: chatV1.TranscriptionResponse): TranscriptionResponse {
  return withoutUndefined({
    model: message.model,
    contentType: message.contentType,
    body: message.body,
    text: message.text,
    durationSeconds: message.durationSeconds,
    usage: message.usage && usageFromProto(message.usage),
    audioInputTokens: optionalNumber(message.audioInputTokens),
  });
}
