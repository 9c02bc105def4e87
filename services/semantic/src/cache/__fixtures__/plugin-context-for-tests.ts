import { ANONYMOUS_PRINCIPAL, type ChatRequest, type ChatResponse, type PluginContext } from '@switchyard/shared';

/**
 * A `PluginContext` as the gateway builds one, for tests that drive the
 * plugin's hooks directly: what the hooks set, annotate and defer is kept
 * to be read back, and `settle()` runs the deferred work as the gateway does
 * after a response.
 */
export interface RecordingContext extends PluginContext {
  readonly responseHeaders: Map<string, string>;
  readonly annotations: Map<string, string>;
  /** Runs the deferred work and waits for it; rejects with the first failure. */
  settle(): Promise<void>;
}

export function recordingContext(options: {
  request: ChatRequest;
  workspace?: string;
  headers?: Record<string, string>;
  streamed?: boolean;
  signal?: AbortSignal;
}): RecordingContext {
  const workspace = options.workspace ?? 'default';
  const responseHeaders = new Map<string, string>();
  const annotations = new Map<string, string>();
  const deferred: Array<() => Promise<void>> = [];
  return {
    requestId: `request-${Math.random().toString(36).slice(2)}`,
    workspace,
    principal: { ...ANONYMOUS_PRINCIPAL, workspace },
    headers: options.headers ?? {},
    request: options.request,
    streamed: options.streamed ?? options.request.stream,
    signal: options.signal ?? new AbortController().signal,
    state: new Map(),
    setHeader: (name, value) => responseHeaders.set(name, value),
    annotate: (key, value) => annotations.set(key, value),
    defer: (work) => deferred.push(work),
    responseHeaders,
    annotations,
    settle: async () => {
      const work = deferred.splice(0);
      await Promise.all(work.map((run) => run()));
    },
  };
}

/** A one-turn chat request. */
export function chatRequest(prompt: string, overrides: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: [{ type: 'text', text: prompt }] },
    ],
    sampling: { temperature: 0 },
    stream: false,
    includeUsage: false,
    ...overrides,
  };
}

/** A provider's answer to it. */
export function chatResponse(text: string, overrides: Partial<ChatResponse> = {}): ChatResponse {
  return {
    id: `chatcmpl-${Math.random().toString(36).slice(2)}`,
    model: 'gpt-4o-mini-2024-07-18',
    created: 1_764_000_000,
    choices: [{ index: 0, message: { content: text }, finishReason: 'stop' }],
    usage: { inputTokens: 12, outputTokens: 5 },
    ...overrides,
  };
}

export const PROVIDER_OUTCOME = { source: 'provider', providerId: 'openai', model: 'gpt-4o-mini', routePath: 'openai' } as const;
