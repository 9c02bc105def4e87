import { createHash } from 'node:crypto';
import type { ChatMessage, ChatRequest } from '@switchyard/shared';

/**
 * What makes two requests the same question. The exact tier hashes all of
 * it; the semantic tier hashes all of it but the last user turn (the
 * "scope") and compares that turn by meaning, so a semantic hit never
 * changes the model, the system prompt, the earlier turns, the tools, the
 * response format or a sampling parameter. Left out: whether the client
 * streams (a cached answer is replayed either way), `user` and `metadata`
 * (they identify, they do not change the answer).
 */
function keyMaterial(request: ChatRequest, messages: readonly ChatMessage[]): unknown {
  return {
    model: request.model,
    messages,
    tools: request.tools,
    toolChoice: request.toolChoice,
    parallelToolCalls: request.parallelToolCalls,
    responseFormat: request.responseFormat,
    sampling: request.sampling,
    stop: request.stop,
    seed: request.seed,
    reasoning: request.reasoning,
    extraBody: request.extraBody,
    extraBodyFormat: request.extraBodyFormat,
    providerOptions: request.providerOptions,
    dropUnsupportedParams: request.dropUnsupportedParams,
  };
}

/** The version of the key layout: bumping it retires every stored key. */
const KEY_VERSION = 'v1';

/** The exact tier's key of a request (hex SHA-256); the workspace and namespace are part of it. */
export function exactKey(workspace: string, namespace: string, request: ChatRequest): string {
  return digest([KEY_VERSION, workspace, namespace, keyMaterial(request, request.messages)]);
}

/**
 * The semantic tier's scope: the hash of everything but the last user turn
 * (null when the request has no such turn of plain text — then only the
 * exact tier applies). Stored and queried as a `where` filter, inside a
 * namespace of the workspace.
 */
export function semanticScope(request: ChatRequest): string | null {
  if (promptText(request) === null) return null;
  return digest([KEY_VERSION, keyMaterial(request, request.messages.slice(0, -1))]);
}

/** The text compared by meaning: the last message, when it is the user's and holds text only. */
export function promptText(request: ChatRequest): string | null {
  const last = request.messages.at(-1);
  if (last?.role !== 'user') return null;
  const texts: string[] = [];
  for (const part of last.content) {
    if (part.type !== 'text') return null;
    texts.push(part.text);
  }
  const text = texts.join('\n').trim();
  return text === '' ? null : text;
}

function digest(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex');
}

/**
 * JSON with object keys sorted, so the same request parsed from either wire
 * format (or a tool schema written in another key order) hashes the same.
 * `undefined` members are left out, as JSON.stringify does.
 */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : stableJson(item))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, member]) => member !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${stableJson(member)}`).join(',')}}`;
}
