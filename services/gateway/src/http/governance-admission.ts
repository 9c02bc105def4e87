import type { ChatRequest, EmbeddingRequest, GovernanceGate, TranscriptionRequest } from '@switchyard/shared';
import type { HttpExchange } from './http-exchange';
import { estimatePromptTokens, estimateUsage, TextTokenEstimate } from '../telemetry/usage-estimate';

/**
 * Rate limits and budgets for one model request, between parsing and
 * routing: sets the `x-ratelimit-*` headers, throws the refusal (429, 402,
 * 503) before anything goes upstream, and settles the reserved tokens with
 * the real usage once the response is over.
 */
export async function admitGoverned(
  exchange: HttpExchange,
  gate: GovernanceGate | undefined,
  request: { chat: ChatRequest } | { embeddings: EmbeddingRequest } | { transcription: TranscriptionRequest },
): Promise<void> {
  const telemetry = exchange.telemetry;
  if (!gate || !telemetry) return;
  const model = 'chat' in request ? request.chat.model : 'embeddings' in request ? request.embeddings.model : request.transcription.model;
  const admission = await gate.admit(exchange.principal, {
    workspace: telemetry.attribution?.workspace ?? exchange.principal.workspace,
    user: telemetry.user,
    model,
    estimatedTokens: 'chat' in request ? chatTokens(request.chat) : 'embeddings' in request ? embeddingTokens(request.embeddings) : NO_TOKENS,
  });
  for (const [name, value] of Object.entries(admission.headers)) exchange.response.setHeader(name, value);
  if (!admission.admitted) throw admission.error;
  exchange.response.once('close', () => {
    // The provider's usage; for a stream cut before it arrived, the same estimate the record gets.
    const usage = telemetry.usage ?? (telemetry.upstreamAccepted ? estimateUsage(telemetry.prompt, telemetry.output) : undefined);
    admission.settle(usage);
  });
}

/** Audio has no text to estimate from: a transcription is counted once its usage is known. */
const NO_TOKENS = { input: 0, output: 0 };

/** The prompt's estimate, and `max_tokens` for each choice: without it, output tokens count only once they are known. */
function chatTokens(request: ChatRequest): { input: number; output: number } {
  return { input: estimatePromptTokens(request), output: (request.sampling.maxTokens ?? 0) * (request.sampling.n ?? 1) };
}

function embeddingTokens(request: EmbeddingRequest): { input: number; output: number } {
  const text = new TextTokenEstimate();
  for (const input of request.input) text.add(input);
  return { input: text.tokens, output: 0 };
}
