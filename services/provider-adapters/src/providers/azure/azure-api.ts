/**
 * Azure OpenAI's data-plane inference API: OpenAI's Chat Completions and
 * Embeddings wire format (request, response, stream chunks and errors are
 * read with the OpenAI adapter's schemas), at per-deployment URLs with an
 * `api-version` query parameter, authenticated with an `api-key` header or a
 * Microsoft Entra ID bearer token.
 *
 * - https://learn.microsoft.com/en-us/azure/ai-services/openai/reference
 *   `POST {endpoint}/openai/deployments/{deployment-id}/chat/completions?api-version=2024-10-21`,
 *   `POST {endpoint}/openai/deployments/{deployment-id}/embeddings?api-version=2024-10-21`,
 *   header `api-key`, or `Authorization: Bearer` with a token for `https://cognitiveservices.azure.com/.default`.
 * - Azure adds `prompt_filter_results` / `content_filter_results` to responses and streams (a first stream
 *   chunk with an empty id and no choices), which the OpenAI schemas ignore.
 */

export type AzureOperation = 'chat/completions' | 'embeddings' | 'audio/transcriptions';

/** `https://<resource>.openai.azure.com/openai/deployments/<deployment>/<operation>?api-version=<version>`. */
export function azureDeploymentUrl(resourceUrl: string, deployment: string, operation: AzureOperation, apiVersion: string): string {
  const root = resourceUrl.replace(/\/+$/, '');
  return `${root}/openai/deployments/${encodeURIComponent(deployment)}/${operation}?api-version=${encodeURIComponent(apiVersion)}`;
}

/**
 * The Responses API of Azure OpenAI's v1 API:
 * `https://<resource>.openai.azure.com/openai/v1/responses`, the deployment
 * named in the body's `model`, no `api-version`.
 */
export function azureResponsesUrl(resourceUrl: string): string {
  return `${resourceUrl.replace(/\/+$/, '')}/openai/v1/responses`;
}
