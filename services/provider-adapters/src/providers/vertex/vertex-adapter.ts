import { ConfigError, resolveSecret } from '@switchyard/shared';
import { StaticHeaderCredential, type CredentialSource } from '../../credentials/credential-source';
import { GoogleServiceAccountCredential, readServiceAccountKeyFile } from '../../credentials/google-service-account';
import { GeminiAdapter } from '../gemini/gemini-adapter';
import type { ProviderAdapter, ProviderAdapterFactory, ProviderAdapterOptions } from '../provider-adapter';
import { embedWithVertex } from './vertex-embeddings';

/**
 * The regional Vertex AI endpoint of a location (`global` has no region in
 * its host): https://cloud.google.com/vertex-ai/docs/reference/rest#service-endpoint
 */
export function vertexBaseUrl(location: string): string {
  return location === 'global' ? 'https://aiplatform.googleapis.com/v1' : `https://${location}-aiplatform.googleapis.com/v1`;
}

/**
 * An adapter for Gemini on Vertex AI: the Gemini wire format at
 * `{base}/projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent`
 * (https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference).
 * Authorized, in this order, by `accessToken` (used as it is), a service
 * account (`serviceAccountKeyFile`, else GOOGLE_APPLICATION_CREDENTIALS),
 * or an express-mode `apiKey`. Embeddings go through `predict` (see
 * `vertex-embeddings.ts`).
 */
export const createVertexAdapter: ProviderAdapterFactory<'vertex'> = (options) => {
  const { config } = options;
  const base = (config.baseUrl ?? vertexBaseUrl(config.location)).replace(/\/+$/, '');
  const prefix = `${base}/projects/${encodeURIComponent(config.project)}/locations/${encodeURIComponent(config.location)}/publishers/google/models`;
  const credential = vertexCredential(options);
  const adapter = new GeminiAdapter(
    {
      providerId: options.id,
      kind: 'vertex',
      url: (model, method) => `${prefix}/${encodeURIComponent(model)}:${method}`,
      credential,
      headers: options.headers,
      timeoutMs: config.timeoutMs,
      dropUnsupportedParams: config.dropUnsupportedParams,
    },
    options.http,
  );
  const embeddings = {
    providerId: options.id,
    url: (model: string) => `${prefix}/${encodeURIComponent(model)}:predict`,
    credential,
    headers: options.headers,
    timeoutMs: config.timeoutMs,
    http: options.http,
  };
  const vertex: ProviderAdapter = {
    complete: (model, request, context) => adapter.complete(model, request, context),
    stream: (model, request, context) => adapter.stream(model, request, context),
    embed: (model, request, context) => embedWithVertex(embeddings, model, request, context),
  };
  return vertex;
};

function vertexCredential(options: ProviderAdapterOptions<'vertex'>): CredentialSource {
  const { config, env, id } = options;
  if (config.accessToken !== undefined) {
    const token = resolveSecret(config.accessToken, env);
    if (token === '') throw new ConfigError(`providers.${id}.accessToken: environment variable ${config.accessToken.slice(2, -1)} is not set`);
    return new StaticHeaderCredential('authorization', `Bearer ${token}`);
  }
  const keyFile = config.serviceAccountKeyFile ?? (options.apiKey === undefined ? env.GOOGLE_APPLICATION_CREDENTIALS : undefined);
  if (keyFile !== undefined) {
    const configPath =
      config.serviceAccountKeyFile !== undefined ? `providers.${id}.serviceAccountKeyFile` : `providers.${id} (GOOGLE_APPLICATION_CREDENTIALS)`;
    return new GoogleServiceAccountCredential(id, readServiceAccountKeyFile(keyFile, configPath), options.http);
  }
  if (options.apiKey !== undefined) return new StaticHeaderCredential('x-goog-api-key', options.apiKey);
  throw new ConfigError(
    `providers.${id}: Vertex AI needs a credential: serviceAccountKeyFile, accessToken, apiKey, or GOOGLE_APPLICATION_CREDENTIALS in the environment`,
  );
}
