/**
 * What evaluation runs send through the gateway, as any client would: chat
 * completions (the run's items and LLM-as-judge), embeddings, and feedback
 * scores on the recorded requests. Every call carries the run's own key, so
 * each is authenticated, limited, billed and recorded like other traffic.
 */
export interface GatewayClient {
  chat(body: Record<string, unknown>, headers: Record<string, string>, signal: AbortSignal): Promise<ChatAnswer>;
  embed(model: string, inputs: string[], signal: AbortSignal): Promise<number[][]>;
  /** Attaches a score to a recorded request (`POST /v1/feedback`), waiting for the record to land. */
  feedback(score: { requestId: string; name: string; value: number; comment?: string }, signal: AbortSignal): Promise<void>;
}

export interface ChatAnswer {
  /** The gateway's `x-request-id`: the record the answer is filed under. */
  requestId: string;
  content: string;
}

/** A call the gateway refused or failed; `message` is the gateway's own (it never holds the key). */
export class GatewayCallError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
  }

  /** Worth another try: the gateway or its upstream was busy or away. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

export interface HttpGatewayClientOptions {
  /** `http://host:port` of a gateway (no `/v1`). */
  baseUrl: string;
  apiKey: string;
  /** Each call's bound. */
  timeoutMs: number;
  /** How long feedback waits for its request's record (records land a moment after the answer). */
  recordWaitMs: number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const MAXIMUM_ANSWER_BYTES = 4 * 1024 * 1024;

export class HttpGatewayClient implements GatewayClient {
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;

  constructor(private readonly options: HttpGatewayClientOptions) {
    this.sleep = options.sleep ?? abortableSleep;
  }

  async chat(body: Record<string, unknown>, headers: Record<string, string>, signal: AbortSignal): Promise<ChatAnswer> {
    const { status, json, responseHeaders } = await this.post('/v1/chat/completions', body, headers, signal);
    if (status !== 200) throw errorOf(status, json);
    const choice = (json as { choices?: Array<{ message?: { content?: unknown } }> }).choices?.[0];
    const content = choice?.message?.content;
    return { requestId: responseHeaders.get('x-request-id') ?? '', content: typeof content === 'string' ? content : '' };
  }

  async embed(model: string, inputs: string[], signal: AbortSignal): Promise<number[][]> {
    const { status, json } = await this.post('/v1/embeddings', { model, input: inputs }, {}, signal);
    if (status !== 200) throw errorOf(status, json);
    const data = (json as { data?: Array<{ index: number; embedding: unknown }> }).data ?? [];
    const vectors: number[][] = [];
    for (const entry of data) {
      if (!Array.isArray(entry.embedding)) throw new GatewayCallError('The embeddings answer holds no float vectors.', 502);
      vectors[entry.index] = entry.embedding as number[];
    }
    if (vectors.length !== inputs.length || vectors.some((vector) => vector === undefined))
      throw new GatewayCallError('The embeddings answer does not hold one vector per input.', 502);
    return vectors;
  }

  async feedback(score: { requestId: string; name: string; value: number; comment?: string }, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + this.options.recordWaitMs;
    const body = { request_id: score.requestId, name: score.name, value: score.value, ...(score.comment ? { comment: score.comment } : {}) };
    for (let wait = 50; ; wait = Math.min(wait * 2, 1_000)) {
      const { status, json } = await this.post('/v1/feedback', body, {}, signal);
      if (status === 201) return;
      const error = errorOf(status, json);
      // The record lands a moment after the answer: its absence is worth waiting for, within the bound.
      if (error.code !== 'request_not_found' || Date.now() + wait > deadline) throw error;
      await this.sleep(wait, signal);
    }
  }

  private async post(
    path: string,
    body: unknown,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<{ status: number; json: unknown; responseHeaders: Headers }> {
    let response: Response;
    try {
      response = await fetch(this.options.baseUrl + path, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', authorization: `Bearer ${this.options.apiKey}` },
        body: JSON.stringify(body),
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.options.timeoutMs)]),
      });
    } catch (error) {
      if (signal.aborted) throw error;
      throw new GatewayCallError(`The gateway could not be reached (${failureReason(error)}).`, 0);
    }
    const text = await response.text();
    if (text.length > MAXIMUM_ANSWER_BYTES) throw new GatewayCallError('The gateway answer is too large.', 502);
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new GatewayCallError(
        `The gateway answered ${response.status} with a body that is not JSON.`,
        response.status === 200 ? 502 : response.status,
      );
    }
    return { status: response.status, json, responseHeaders: response.headers };
  }
}

function errorOf(status: number, json: unknown): GatewayCallError {
  const error = (json as { error?: { message?: unknown; code?: unknown } } | undefined)?.error;
  const message = typeof error?.message === 'string' ? error.message : `The gateway answered ${status}.`;
  return new GatewayCallError(message, status, typeof error?.code === 'string' ? error.code : undefined);
}

/** The error's code (`ECONNREFUSED`, `TimeoutError`), never its message: it may carry the address. */
function failureReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } })?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return error.name;
  return 'request_failed';
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', abort, { once: true });
  });
}
