import {
  ConfigError,
  resolveSecret,
  speaksResponsesApi,
  type NativeStreamEvent,
  type CallContext,
  type ChatRequest,
  type ChatResponse,
  type EmbeddingRequest,
  type EmbeddingResponse,
  type StreamPart,
  type TranscriptionRequest,
  type TranscriptionResponse,
} from '@switchyard/shared';
import { AzureEntraCredential } from '../../credentials/azure-entra-credential';
import { StaticHeaderCredential, type CredentialSource } from '../../credentials/credential-source';
import type { UpstreamRequest, UpstreamResponse } from '../../http/upstream-client';
import { convertOpenAIEmbeddingResponse, convertOpenAIResponse } from '../openai/convert-openai-response';
import { convertToOpenAIEmbeddingRequest, convertToOpenAIRequest } from '../openai/convert-to-openai-request';
import { openAIChatResponseSchema, openAIEmbeddingResponseSchema } from '../openai/openai-api';
import { openAIHttpError } from '../openai/openai-error';
import { openAIStreamParts, readOpenAIJson } from '../openai/read-openai-body';
import { readResponsesJson, responsesStreamEvents } from '../openai/read-openai-responses';
import { transcribeWithOpenAI } from '../openai/openai-transcription';
import type { ProviderAdapter, ProviderAdapterFactory, ProviderAdapterOptions } from '../provider-adapter';
import { azureDeploymentUrl, azureResponsesUrl, type AzureOperation } from './azure-api';

/**
 * Azure OpenAI: OpenAI's wire format (the OpenAI adapter's converters and
 * stream state machine) at deployment URLs. A model is sent to the
 * deployment `deployments` names for it, else to the deployment of its own
 * name. Fields the canonical model does not know pass through unchanged
 * (both ends speak the same format).
 * Authenticated with `apiKey` (the `api-key` header) or `entra`
 * (client credentials, a bearer token renewed before it expires).
 * `/v1/responses` is passed through to the v1 API's `POST /openai/v1/responses`
 * unless `responsesApi: false`.
 */
export const createAzureAdapter: ProviderAdapterFactory<'azure'> = (options) => {
  const { id: providerId, http, config } = options;
  if (config.baseUrl === undefined) {
    throw new ConfigError(`invalid config:\n  - providers.${providerId}.baseUrl: required for kind azure (https://<resource>.openai.azure.com)`);
  }
  const resourceUrl = config.baseUrl;
  const credential = azureCredential(options);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };

  /** The Chat Completions body: unmodelled fields as sent, then `providerOptions.azure` and `[<this provider's id>]` over it (spread: a `__proto__` key stays a plain field). */
  const chatBody = (model: string, chatRequest: ChatRequest, stream: boolean): Record<string, unknown> => ({
    ...convertToOpenAIRequest(model, chatRequest, stream),
    ...chatRequest.extraBody,
    ...chatRequest.providerOptions?.azure,
    ...(providerId === 'azure' ? {} : chatRequest.providerOptions?.[providerId]),
  });

  const url = (model: string, operation: AzureOperation) =>
    azureDeploymentUrl(resourceUrl, config.deployments[model] ?? model, operation, config.apiVersion);

  /** Sends the request with its credential; a non-2xx answer is read and thrown. */
  function send(target: string, body: unknown, context: CallContext): Promise<[UpstreamRequest, UpstreamResponse]> {
    return sendBody(target, JSON.stringify(body), headers, context);
  }

  /** `send` for a body already encoded (an audio upload's multipart form). */
  async function sendBody(
    target: string,
    body: string | Uint8Array,
    bodyHeaders: Record<string, string>,
    context: CallContext,
  ): Promise<[UpstreamRequest, UpstreamResponse]> {
    const unsigned: UpstreamRequest = {
      providerId,
      method: 'POST',
      url: target,
      headers: bodyHeaders,
      body,
      signal: context.signal,
      timeoutMs: config.timeoutMs,
    };
    const request = credential ? await credential.authorize(unsigned) : unsigned;
    const response = await http.send(request, (status, responseHeaders, text) => openAIHttpError(providerId, status, responseHeaders, text));
    return [request, response];
  }

  const adapter: ProviderAdapter = {
    async complete(model: string, chatRequest: ChatRequest, context: CallContext): Promise<ChatResponse> {
      const [request, response] = await send(url(model, 'chat/completions'), chatBody(model, chatRequest, false), context);
      return convertOpenAIResponse(await readOpenAIJson(http, providerId, request, response, openAIChatResponseSchema), model);
    },

    async stream(model: string, chatRequest: ChatRequest, context: CallContext): Promise<AsyncIterable<StreamPart>> {
      const [request, response] = await send(url(model, 'chat/completions'), chatBody(model, chatRequest, true), context);
      return openAIStreamParts(http, request, response, { providerId, model });
    },

    async embed(model: string, embeddingRequest: EmbeddingRequest, context: CallContext): Promise<EmbeddingResponse> {
      const [request, response] = await send(url(model, 'embeddings'), convertToOpenAIEmbeddingRequest(model, embeddingRequest), context);
      return convertOpenAIEmbeddingResponse(await readOpenAIJson(http, providerId, request, response, openAIEmbeddingResponseSchema), model);
    },

    transcribe(model: string, transcriptionRequest: TranscriptionRequest, context: CallContext): Promise<TranscriptionResponse> {
      return transcribeWithOpenAI(http, providerId, model, transcriptionRequest, context, (body, contentType, callContext) =>
        sendBody(url(model, 'audio/transcriptions'), body, { ...headers, 'content-type': contentType }, callContext),
      );
    },
  };
  if (speaksResponsesApi(config)) {
    // The client's Responses body as sent; the deployment goes in `model`, as the v1 API takes it.
    const responsesUrl = azureResponsesUrl(resourceUrl);
    adapter.respond = async (model, body, context) => {
      const [request, response] = await send(responsesUrl, { ...body, model: config.deployments[model] ?? model }, context);
      return readResponsesJson(http, providerId, request, response);
    };
    adapter.streamRespond = async (model, body, context): Promise<AsyncIterable<NativeStreamEvent>> => {
      const [request, response] = await send(responsesUrl, { ...body, model: config.deployments[model] ?? model }, context);
      return responsesStreamEvents(http, providerId, request, response);
    };
  }
  return adapter;
};

/** Entra when configured (its secret resolved now, so a missing one stops the start), else the `api-key` header. */
function azureCredential(options: ProviderAdapterOptions<'azure'>): CredentialSource | undefined {
  const { entra } = options.config;
  if (entra !== undefined) {
    const clientSecret = resolveSecret(entra.clientSecret, options.env);
    if (clientSecret === '') {
      throw new ConfigError(
        `invalid config:\n  - providers.${options.id}.entra.clientSecret: environment variable ${entra.clientSecret.slice(2, -1)} is not set`,
      );
    }
    return new AzureEntraCredential({
      providerId: options.id,
      tenantId: entra.tenantId,
      clientId: entra.clientId,
      clientSecret,
      authorityUrl: entra.authorityUrl,
      http: options.http,
    });
  }
  return options.apiKey ? new StaticHeaderCredential('api-key', options.apiKey) : undefined;
}
