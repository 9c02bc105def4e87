import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { EdgeConversationsConfig, Logger } from '@switchyard/shared';
import type { StoredConversation, StreamOwner, TranscriptSegment } from '../contracts';
import type { ConversationNotifier } from './conversation-tracker';
import { isPublicAddress, publicOnlyLookup, WebhookAddressRefused } from './webhook-address-policy';

export type WebhookKind = 'transcript' | 'audio_bytes' | 'conversation_created';

type DeliveryConfig = EdgeConversationsConfig['delivery'];

/** What the webhooks tell (for metrics and tests); never the URL, which may be a secret. */
export interface WebhookObserver {
  delivered?(kind: WebhookKind, workspace: string, attempts: number): void;
  failed?(kind: WebhookKind, workspace: string, attempts: number, reason: string): void;
  /** More deliveries were waiting than `maxPending`. */
  dropped?(kind: WebhookKind, workspace: string): void;
}

/** Waits between tries; injectable so tests need not wait real back-offs. */
export interface WebhookClock {
  random(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

const realClock: WebhookClock = {
  random: Math.random,
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
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
    }),
};

interface WorkspaceHooks {
  transcript?: URL;
  audioBytes?: { url: URL; intervalSeconds: number };
  conversationCreated?: URL;
}

interface Delivery {
  kind: WebhookKind;
  workspace: string;
  url: URL;
  contentType: string;
  body: Buffer;
}

/** One stream's audio waiting to be sent: whole PCM chunks, flushed every `intervalSeconds`. */
interface AudioBuffer {
  chunks: Int16Array[];
  samples: number;
  sampleRate: number;
}

/**
 * Omi's developer webhooks, per workspace (`edge.conversations.webhooks`):
 * the real-time transcript, the audio bytes and the created conversation,
 * each POSTed in Omi's shape with `?uid=` (and `&sample_rate=` for audio).
 * Deliveries are bounded (`maxPending`; more are dropped, counted), retried
 * with full-jitter exponential back-off on 408, 429, 5xx and network
 * errors, never follow redirects, and reach only public addresses unless
 * `allowPrivateAddresses`.
 */
export class ConversationWebhooks implements ConversationNotifier {
  private readonly hooks = new Map<string, WorkspaceHooks>();
  private readonly audioBuffers = new Map<string, AudioBuffer>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly delivery: DeliveryConfig;
  private pending = 0;

  constructor(
    config: Pick<EdgeConversationsConfig, 'webhooks' | 'delivery'>,
    private readonly options: { logger: Logger; observer?: WebhookObserver; clock?: WebhookClock; environment?: NodeJS.ProcessEnv },
  ) {
    const environment = options.environment ?? process.env;
    for (const [workspace, hooks] of Object.entries(config.webhooks)) {
      this.hooks.set(workspace, {
        transcript: hooks.transcript === undefined ? undefined : resolveUrl(hooks.transcript, environment, `${workspace}.transcript`),
        audioBytes:
          hooks.audioBytes === undefined
            ? undefined
            : { url: resolveUrl(hooks.audioBytes.url, environment, `${workspace}.audioBytes.url`), intervalSeconds: hooks.audioBytes.intervalSeconds },
        conversationCreated:
          hooks.conversationCreated === undefined ? undefined : resolveUrl(hooks.conversationCreated, environment, `${workspace}.conversationCreated`),
      });
    }
    this.delivery = config.delivery;
  }

  /** Whether any workspace has a webhook (a process without any need not create this at all). */
  get configured(): boolean {
    return this.hooks.size > 0;
  }

  transcript(owner: StreamOwner, _conversationId: string, segments: readonly TranscriptSegment[]): void {
    const url = this.hooks.get(owner.workspace)?.transcript;
    if (!url) return;
    this.enqueue({
      kind: 'transcript',
      workspace: owner.workspace,
      url: withQuery(url, { uid: owner.uid }),
      contentType: 'application/json',
      body: Buffer.from(JSON.stringify({ session_id: owner.uid, segments })),
    });
  }

  audio(owner: StreamOwner, conversationId: string, samples: Int16Array, sampleRate: number): void {
    const hook = this.hooks.get(owner.workspace)?.audioBytes;
    if (!hook) return;
    const key = audioKey(owner, conversationId);
    let buffer = this.audioBuffers.get(key);
    if (buffer && buffer.sampleRate !== sampleRate) {
      this.flushAudio(owner, key);
      buffer = undefined;
    }
    if (!buffer) {
      buffer = { chunks: [], samples: 0, sampleRate };
      this.audioBuffers.set(key, buffer);
    }
    // A copy: the caller may reuse its array.
    buffer.chunks.push(Int16Array.from(samples));
    buffer.samples += samples.length;
    if (buffer.samples >= hook.intervalSeconds * sampleRate) this.flushAudio(owner, key);
  }

  streamEnded(owner: StreamOwner, conversationId: string): void {
    this.flushAudio(owner, audioKey(owner, conversationId));
  }

  conversationCreated(owner: StreamOwner, conversation: StoredConversation): void {
    const url = this.hooks.get(owner.workspace)?.conversationCreated;
    if (!url) return;
    this.enqueue({
      kind: 'conversation_created',
      workspace: owner.workspace,
      url: withQuery(url, { uid: owner.uid }),
      contentType: 'application/json',
      body: Buffer.from(JSON.stringify(conversation)),
    });
  }

  /** Deliveries waiting or under way. */
  get pendingCount(): number {
    return this.pending;
  }

  /** Waits for what is under way (its retries included) for at most `graceMs`, then abandons the rest. */
  async close(graceMs = 5_000): Promise<void> {
    const grace = setTimeout(() => this.abort.abort(new Error('The webhooks are closing.')), graceMs);
    grace.unref();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    clearTimeout(grace);
  }

  private flushAudio(owner: StreamOwner, key: string): void {
    const buffer = this.audioBuffers.get(key);
    this.audioBuffers.delete(key);
    const hook = this.hooks.get(owner.workspace)?.audioBytes;
    if (!buffer || !hook || buffer.samples === 0) return;
    const pcm = Buffer.alloc(buffer.samples * 2);
    let offset = 0;
    for (const chunk of buffer.chunks) for (const sample of chunk) offset = pcm.writeInt16LE(sample, offset);
    this.enqueue({
      kind: 'audio_bytes',
      workspace: owner.workspace,
      url: withQuery(hook.url, { sample_rate: String(buffer.sampleRate), uid: owner.uid }),
      contentType: 'application/octet-stream',
      body: pcm,
    });
  }

  private enqueue(delivery: Delivery): void {
    if (this.pending >= this.delivery.maxPending || this.abort.signal.aborted) {
      this.options.observer?.dropped?.(delivery.kind, delivery.workspace);
      this.options.logger.warn({ kind: delivery.kind, workspace: delivery.workspace }, 'webhook-dropped');
      return;
    }
    this.pending++;
    const running = this.deliver(delivery).finally(() => {
      this.pending--;
      this.inFlight.delete(running);
    });
    this.inFlight.add(running);
  }

  private async deliver(delivery: Delivery): Promise<void> {
    const policy = this.delivery;
    const clock = this.options.clock ?? realClock;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.send(delivery);
      if (outcome.ok) {
        this.options.observer?.delivered?.(delivery.kind, delivery.workspace, attempt);
        return;
      }
      if (!outcome.retryable || attempt >= policy.maxAttempts || this.abort.signal.aborted) {
        this.options.observer?.failed?.(delivery.kind, delivery.workspace, attempt, outcome.reason);
        this.options.logger.warn({ kind: delivery.kind, workspace: delivery.workspace, attempts: attempt, reason: outcome.reason }, 'webhook-failed');
        return;
      }
      const ceiling = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (attempt - 1));
      const delay = Math.min(policy.maxBackoffMs, Math.max(outcome.retryAfterMs, clock.random() * ceiling));
      try {
        await clock.sleep(delay, this.abort.signal);
      } catch {
        this.options.observer?.failed?.(delivery.kind, delivery.workspace, attempt, 'closing');
        return;
      }
    }
  }

  /** One try; `reason` names a status or an error code, never the URL. */
  private send(delivery: Delivery): Promise<{ ok: boolean; retryable: boolean; reason: string; retryAfterMs: number }> {
    const { url } = delivery;
    const allowPrivate = this.delivery.allowPrivateAddresses;
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (!allowPrivate && isIP(literal) !== 0 && !isPublicAddress(literal)) {
      return Promise.resolve({ ok: false, retryable: false, reason: new WebhookAddressRefused('').code, retryAfterMs: 0 });
    }
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve) => {
      const request = client.request(
        url,
        {
          method: 'POST',
          headers: { 'content-type': delivery.contentType, 'content-length': delivery.body.length },
          timeout: this.delivery.timeoutMs,
          signal: this.abort.signal,
          ...(allowPrivate ? {} : { lookup: publicOnlyLookup as never }),
        },
        (response) => {
          response.resume();
          const status = response.statusCode ?? 0;
          const ok = status >= 200 && status < 300;
          const retryable = status === 408 || status === 429 || status >= 500;
          const retryAfterMs = status === 429 || status === 503 ? retryAfter(response.headers['retry-after']) : 0;
          response.on('end', () => resolve({ ok, retryable: !ok && retryable, reason: `status ${status}`, retryAfterMs }));
          response.on('error', () => resolve({ ok: false, retryable: true, reason: 'response_failed', retryAfterMs: 0 }));
        },
      );
      request.on('timeout', () => request.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      request.on('error', (error: NodeJS.ErrnoException) => {
        const refused = error instanceof WebhookAddressRefused || error.code === 'EADDRNOTPUBLIC';
        resolve({ ok: false, retryable: !refused, reason: refused ? 'EADDRNOTPUBLIC' : (error.code ?? error.name), retryAfterMs: 0 });
      });
      request.end(delivery.body);
    });
  }
}

function resolveUrl(value: string, environment: NodeJS.ProcessEnv, path: string): URL {
  const reference = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value)?.[1];
  const text = reference === undefined ? value : environment[reference];
  if (text === undefined || text === '') throw new Error(`edge.conversations.webhooks.${path}: the environment variable ${reference} is not set.`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`edge.conversations.webhooks.${path}: ${reference === undefined ? 'the value' : `the environment variable ${reference}`} is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`edge.conversations.webhooks.${path}: only http(s) URLs are sent to.`);
  return url;
}

function withQuery(url: URL, parameters: Record<string, string>): URL {
  const copy = new URL(url);
  for (const [name, value] of Object.entries(parameters)) copy.searchParams.set(name, value);
  return copy;
}

function audioKey(owner: StreamOwner, conversationId: string): string {
  return `${owner.workspace}\u0000${owner.uid}\u0000${conversationId}`;
}

function retryAfter(header: string | string[] | undefined): number {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return 0;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? 0 : Math.max(0, date - Date.now());
}
