import { GatewayError, type ChatRequest, type Deployment } from '@switchyard/shared';
import type { CatalogModelInfo } from './catalog-lookup';

/**
 * Characters per token used to under-estimate a prompt's length: real
 * tokenizers average about 4 characters per token in English, so at 8 the
 * estimate stays below the true count and only a prompt well past the
 * window (about twice as long, or more) is refused here; the provider still
 * judges the rest.
 */
const CHARACTERS_PER_TOKEN_AT_MOST = 8;

/**
 * Retryable: what this deployment lacks, the next one of a fallback chain may
 * have; when none has it, the last refusal is the answer.
 */
function capabilityError(deployment: Deployment, message: string, param: string, code: string): GatewayError {
  return new GatewayError(`Deployment ${deployment.id} ${message}`, { status: 400, errorClass: 'invalid_request', param, code, retryable: true });
}

/** A lower bound of the prompt's tokens from its text (images and tool schemas not counted). */
function promptTokensAtLeast(request: ChatRequest): number {
  let characters = 0;
  for (const message of request.messages) {
    if (typeof message.content === 'string') characters += message.content.length;
    else for (const part of message.content) if (part.type === 'text') characters += part.text.length;
    if (message.role === 'assistant') for (const call of message.toolCalls ?? []) characters += call.arguments.length;
  }
  return Math.floor(characters / CHARACTERS_PER_TOKEN_AT_MOST);
}

/**
 * Refuses, before any upstream call, a request that needs what the
 * deployment's model lacks according to the catalog: tools, images, a JSON
 * schema response, more output than it can write, or a prompt beyond its
 * context window. What the catalog does not know is not refused.
 */
export function checkDeploymentCapabilities(deployment: Deployment, request: ChatRequest, model: CatalogModelInfo | undefined): void {
  if (!model) return;
  if (model.tools === false && (request.tools?.length ?? 0) > 0) {
    throw capabilityError(deployment, 'does not support tools (function calling).', 'tools', 'tools_not_supported');
  }
  if (
    model.vision === false &&
    request.messages.some((message) => message.role === 'user' && message.content.some((part) => part.type === 'image'))
  ) {
    throw capabilityError(deployment, 'does not support image input.', 'messages', 'images_not_supported');
  }
  if (model.jsonSchema === false && request.responseFormat?.type === 'json_schema') {
    throw capabilityError(
      deployment,
      'does not support JSON schema responses (response_format json_schema).',
      'response_format',
      'json_schema_not_supported',
    );
  }
  const maxTokens = request.sampling.maxTokens;
  if (maxTokens != null && model.maxOutputTokens != null && maxTokens > model.maxOutputTokens) {
    throw capabilityError(
      deployment,
      `writes at most ${model.maxOutputTokens} output tokens; the request asks for up to ${maxTokens}.`,
      'max_tokens',
      'context_length_exceeded',
    );
  }
  if (model.contextWindow != null) {
    const promptTokens = promptTokensAtLeast(request);
    if (promptTokens > model.contextWindow) {
      throw capabilityError(
        deployment,
        `has a context window of ${model.contextWindow} tokens; the prompt has at least ${promptTokens}.`,
        'messages',
        'context_length_exceeded',
      );
    }
  }
}
