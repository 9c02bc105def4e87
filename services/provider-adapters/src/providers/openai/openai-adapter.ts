import {
  ConfigError,
  findProviderDescriptor,
  resolveBaseUrlTemplate,
  speaksResponsesApi,
  type CallContext,
  type ChatRequest,
  type ChatResponse,
  type EmbeddingRequest,
  type EmbeddingResponse,
  type NativeStreamEvent,
  type OpenAICompatibleQuirks,
  type ProviderDescriptor,
  type StreamPart,
  type TranscriptionRequest,
  type TranscriptionResponse,
} from '@switchyard/shared';
import type { UpstreamRequest, UpstreamResponse } from '../../http/upstream-client';
import type { ProviderAdapter, ProviderAdapterFactory } from '../provider-adapter';
import { settleUnsupportedParameters } from '../unsupported-parameters';
import { convertToOpenAIEmbeddingRequest, convertToOpenAIRequest } from './convert-to-openai-request';
import { openAIChatResponseSchema, openAIEmbeddingResponseSchema } from './openai-api';
import { convertOpenAIEmbeddingResponse, convertOpenAIResponse } from './convert-openai-response';
import { openAIHttpError } from './openai-error';
import { openAIStreamParts, readOpenAIJson } from './read-openai-body';
import { listOpenAIModels } from './list-openai-models';
import { readResponsesJson, responsesStreamEvents } from './read-openai-responses';
import { transcribeWithOpenAI } from './openai-transcription';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * Chat Completions and Embeddings, for OpenAI and every server that speaks
 * its API (Ollama, vLLM, LM Studio, OpenRouter, DeepSeek, Groq, ...). A
 * `preset` names a provider descriptor (packages/shared/src/providers):
 * its default base URL and its quirks (the output-limit field, parameters
 * it refuses, where it puts reasoning, model-name prefix). Without one,
 * OpenAI's own rules apply. `Authorization` is sent only when an API key is
 * configured, so keyless local servers work.
 *
 * Fields Switchyard does not model (`extraBody`) and `providerOptions` for
 * `openai`, the preset or this provider id are put into the body as sent:
 * both ends speak this format, so nothing needs translating.
 */
export const createOpenAIAdapter: ProviderAdapterFactory<'openai'> = (options) => {
  const { id: providerId, http } = options;
  const preset = options.config.preset ? findProviderDescriptor(options.config.preset) : undefined;
  const quirks: OpenAICompatibleQuirks = preset?.quirks ?? {};
  const baseUrl = (options.config.baseUrl ?? presetBaseUrl(providerId, preset, options.env)).replace(/\/+$/, '');
  const chatUrl = `${baseUrl}/chat/completions`;
  const embeddingsUrl = `${baseUrl}/embeddings`;
  const responsesUrl = `${baseUrl}/responses`;
  const transcriptionsUrl = `${baseUrl}/audio/transcriptions`;
  const timeoutMs = options.config.timeoutMs;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
    ...options.headers,
  };
  /** The keys of `providerOptions` addressed to this provider, least specific first. */
  const optionKeys = [...new Set(['openai', ...(preset ? [preset.id] : []), providerId])];
  const requestOptions = { maxTokensField: quirks.maxTokensField ?? (preset ? 'max_tokens' : 'openai-rule'), streamUsage: quirks.streamUsage };

  /** The upstream's name of `model`: the preset's prefix added to a bare name. */
  function upstreamModel(model: string): string {
    return quirks.modelPrefix && !model.includes('/') ? `${quirks.modelPrefix}${model}` : model;
  }

  /**
   * The Chat Completions body: the converted request, the unmodelled fields
   * and provider options spread in, then the parameters the preset refuses
   * settled (400 naming the first, or dropped when allowed).
   */
  function chatBody(model: string, chatRequest: ChatRequest, stream: boolean): { body: Record<string, unknown>; droppedParams: string[] } {
    // Fields named in another API's terms (Anthropic's, from /v1/messages) mean nothing here: settled, not sent.
    const foreign = chatRequest.extraBodyFormat !== undefined && chatRequest.extraBodyFormat !== 'openai';
    const body: Record<string, unknown> = {
      ...convertToOpenAIRequest(model, chatRequest, stream, requestOptions),
      ...(foreign ? {} : chatRequest.extraBody),
    };
    for (const key of optionKeys) Object.assign(body, chatRequest.providerOptions?.[key]);
    // What the adapter decides is not the pass-through's to change.
    body.model = model;
    if (stream) body.stream = true;
    else delete body.stream;
    const refused = (quirks.unsupportedParams ?? []).filter((name) => body[name] !== undefined);
    const droppedParams = settleUnsupportedParameters(
      providerId,
      { ...chatRequest, extraBody: foreign ? chatRequest.extraBody : undefined },
      refused,
      {
        dropAllowed: options.config.dropUnsupportedParams,
      },
    );
    for (const name of droppedParams) delete body[name];
    return { body, droppedParams };
  }

  /** Sends the request; a non-2xx answer is read and thrown. */
  async function send(url: string, body: unknown, context: CallContext): Promise<[UpstreamRequest, UpstreamResponse]> {
    const request: UpstreamRequest = {
      providerId,
      method: 'POST',
      url,
      headers,
      body: JSON.stringify(body),
      signal: context.signal,
      timeoutMs,
    };
    const response = await http.send(request, (status, responseHeaders, text) => openAIHttpError(providerId, status, responseHeaders, text));
    return [request, response];
  }

  /** Sends a multipart body (an audio upload) as `send` sends JSON. */
  async function sendForm(url: string, body: Uint8Array, contentType: string, context: CallContext): Promise<[UpstreamRequest, UpstreamResponse]> {
    const request: UpstreamRequest = {
      providerId,
      method: 'POST',
      url,
      headers: { ...headers, 'content-type': contentType },
      body,
      signal: context.signal,
      timeoutMs,
    };
    const response = await http.send(request, (status, responseHeaders, text) => openAIHttpError(providerId, status, responseHeaders, text));
    return [request, response];
  }

  const adapter: ProviderAdapter = {
    async complete(model: string, chatRequest: ChatRequest, context: CallContext): Promise<ChatResponse> {
      const name = upstreamModel(model);
      const { body, droppedParams } = chatBody(name, chatRequest, false);
      const [request, response] = await send(chatUrl, body, context);
      const converted = convertOpenAIResponse(await readOpenAIJson(http, providerId, request, response, openAIChatResponseSchema), name, {
        reasoningField: quirks.reasoningField,
      });
      if (droppedParams.length > 0) converted.droppedParams = droppedParams;
      return converted;
    },

    async stream(model: string, chatRequest: ChatRequest, context: CallContext): Promise<AsyncIterable<StreamPart>> {
      const name = upstreamModel(model);
      const { body, droppedParams } = chatBody(name, chatRequest, true);
      const [request, response] = await send(chatUrl, body, context);
      return openAIStreamParts(http, request, response, { providerId, model: name, reasoningField: quirks.reasoningField, droppedParams });
    },

    async embed(model: string, embeddingRequest: EmbeddingRequest, context: CallContext): Promise<EmbeddingResponse> {
      const body = convertToOpenAIEmbeddingRequest(upstreamModel(model), embeddingRequest);
      const [request, response] = await send(embeddingsUrl, body, context);
      return convertOpenAIEmbeddingResponse(
        await readOpenAIJson(http, providerId, request, response, openAIEmbeddingResponseSchema),
        upstreamModel(model),
      );
    },

    transcribe(model: string, transcriptionRequest: TranscriptionRequest, context: CallContext): Promise<TranscriptionResponse> {
      return transcribeWithOpenAI(http, providerId, upstreamModel(model), transcriptionRequest, context, (body, contentType, callContext) =>
        sendForm(transcriptionsUrl, body, contentType, callContext),
      );
    },

    listModels(context: CallContext): Promise<string[]> {
      return listOpenAIModels({ providerId, baseUrl, headers, http, timeoutMs }, context);
    },
  };
  if (speaksResponsesApi(options.config)) {
    // The client's Responses body as sent: only the model is this deployment's.
    adapter.respond = async (model, body, context) => {
      const [request, response] = await send(responsesUrl, { ...body, model: upstreamModel(model) }, context);
      return readResponsesJson(http, providerId, request, response);
    };
    adapter.streamRespond = async (model, body, context): Promise<AsyncIterable<NativeStreamEvent>> => {
      const [request, response] = await send(responsesUrl, { ...body, model: upstreamModel(model) }, context);
      return responsesStreamEvents(http, providerId, request, response);
    };
  }
  return adapter;
};

/**
 * The preset's default base URL with its `{NAME}` variables filled in; one
 * unset is a config error rather than a call to some other host with this
 * provider's key.
 */
function presetBaseUrl(providerId: string, preset: ProviderDescriptor | undefined, env: Record<string, string | undefined>): string {
  if (!preset) return OPENAI_DEFAULT_BASE_URL;
  const url = resolveBaseUrlTemplate(preset.baseUrl, env);
  if (url) return url;
  const missing = [...preset.baseUrl.matchAll(/\{([A-Z0-9_]+)\}/g)].map((match) => match[1]).filter((name) => !env[name]);
  throw new ConfigError(
    `providers.${providerId}.baseUrl: preset ${preset.id}'s default ${preset.baseUrl} needs ${missing.join(', ')}; set it, or set baseUrl`,
  );
}
