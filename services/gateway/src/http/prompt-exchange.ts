import type { PromptResolver } from '@switchyard/shared';
import { applyPromptReference, type PromptWire } from '../prompts/apply-prompt-reference';
import type { RequestTelemetry } from '../telemetry/request-telemetry';
import type { HttpExchange } from './http-exchange';

/**
 * A chat body that references a prompt, as the body the prompt makes of it
 * (any other body as it came), with the prompt's name and version noted for
 * the request's record. Resolved in the caller's workspace; the user (the
 * body's `user`, else `x-switchyard-user-id`) and session decide a sticky
 * A/B split.
 */
export async function resolveChatPrompt(
  exchange: HttpExchange,
  telemetry: RequestTelemetry,
  resolver: PromptResolver | undefined,
  body: unknown,
  wire: PromptWire = 'openai',
): Promise<unknown> {
  const user =
    typeof body === 'object' && body !== null && typeof (body as { user?: unknown }).user === 'string' ? (body as { user: string }).user : undefined;
  const attribution = telemetry.attribution;
  const subject = {
    requestId: exchange.requestId,
    ...((user ?? attribution?.userId) ? { user: user ?? attribution?.userId } : {}),
    ...(attribution?.sessionId ? { sessionId: attribution.sessionId } : {}),
  };
  const applied = await applyPromptReference(body, exchange.request.headers, resolver, exchange.principal.workspace, subject, wire);
  if (applied.resolved !== undefined) {
    telemetry.promptName = applied.resolved.name;
    telemetry.promptVersion = applied.resolved.version;
    telemetry.experiment = applied.resolved.experiment;
  }
  return applied.body;
}
