import { setTimeout as delay } from 'node:timers/promises';
import WebSocket from 'ws';
import type { TranscriptSegment } from '../contracts';
import { BleFrameAssembler, BleNotifier, DEFAULT_NOTIFICATION_BYTES, type BleAssemblyCounts } from './ble-notifications';
import { FaultInjector, seededRandom, type FaultCounts, type FaultOptions } from './fault-injector';
import { DEVICE_FRAME_SAMPLES, DEVICE_SAMPLE_RATE, OpusFrameEncoder } from './opus-frame-encoder';

/**
 * The reference phone relay: what Omi's app does between the Dev Kit 2 and a
 * server. Audio is encoded as the device encodes it, framed into Bluetooth
 * notifications, passed through an optional faulty link, reassembled with the
 * app's own rules and streamed one codec packet per WebSocket message to
 * `/v4/listen`, reconnecting with the app's back-off.
 */
export interface OmiRelayOptions {
  /** The server: `ws://host:port` (the relay adds `/v4/listen`) or a full `ws(s)://…/v4/listen` URL. */
  url: string;
  /** Sent as `Authorization: Bearer …` (or in the first message with `web`). */
  credential?: string;
  /** Use `/v4/web/listen` and its first-message auth instead of the header. */
  web?: boolean;
  /** Query parameters besides the ones below (`uid`, `include_speech_profile`, …). */
  query?: Record<string, string>;
  language?: string;
  codec?: 'opus' | 'pcm16';
  /** Omi's `conversation_timeout` (seconds); left to the server's default when absent. */
  conversationTimeout?: number;
  /** 1 streams in real time (10 ms of audio every 10 ms), 4 four times faster, Infinity as fast as the socket takes it. */
  pace?: number;
  /** Send frames up to this many ms ahead of their time, then sleep (a phone batching its radio); default 0. */
  burstMs?: number;
  /** Bluetooth notification size in bytes, header included (small values force fragments). */
  notificationBytes?: number;
  faults?: FaultOptions;
  /** Seed of the fault injector's randomness, so a faulty run can be replayed. */
  seed?: number;
  /** Close the socket after sending this many frames (each entry once) and reconnect, as the app does on a network change. */
  reconnectAfterFrames?: number[];
  /** The app's back-off: base × factorⁿ between attempts, at most `maxReconnects` in a row. */
  backoffBaseMs?: number;
  backoffFactor?: number;
  maxReconnects?: number;
  /** Frames kept while disconnected; older ones are dropped (and counted) beyond it. */
  maxQueuedFrames?: number;
  /**
   * Hold the audio (queued, as the phone buffers it) until the server says
   * `service_status: ready` on each socket, for at most `readyTimeoutMs`
   * (then the attempt counts as failed). Off: stream from the moment it opens.
   */
  awaitReady?: boolean;
  readyTimeoutMs?: number;
  /** A one-byte keep-alive after this long without sending (Omi: messages of ≤ 2 bytes); 0 = none. Default 20 s. */
  keepAliveIntervalMs?: number;
  /** Every message from the server as it arrives. */
  onMessage?: (message: RelayServerMessage) => void;
}

export type RelayServerMessage =
  | { kind: 'ping' }
  | { kind: 'segments'; segments: TranscriptSegment[] }
  | { kind: 'event'; event: { type: string; [key: string]: unknown } }
  | { kind: 'other'; text: string };

export interface RelayReport {
  /** Codec frames the device produced. */
  framesEncoded: number;
  /** Frames the relay sent, one WebSocket message each. */
  framesSent: number;
  /** Frames dropped while disconnected, beyond `maxQueuedFrames`. */
  framesDroppedOffline: number;
  faults: FaultCounts;
  assembly: BleAssemblyCounts;
  /** Sockets opened successfully. */
  connections: number;
  /** Every close the relay saw, its own forced ones included. */
  closes: { code: number; reason: string; forced: boolean }[];
  pings: number;
  /** The transcript as upserted by segment id, in start order. */
  segments: TranscriptSegment[];
  events: { type: string; [key: string]: unknown }[];
  /** Set when the relay gave up: a close code the app does not retry, or too many failed attempts. */
  failure?: string;
}

/** Close codes after which the app stops instead of reconnecting (auth, credits). */
const FINAL_CLOSE_CODES = new Set([1008, 4001, 4002, 4004]);

export class OmiRelay {
  private readonly segmentsById = new Map<string, TranscriptSegment>();
  private readonly report: Omit<RelayReport, 'segments'>;
  private readonly queue: Buffer[] = [];
  private socket: WebSocket | undefined;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private forcedReconnects: number[];
  private readonly waiters = new Set<() => void>();
  private keepAlive: NodeJS.Timeout | undefined;
  private lastSentAt = 0;

  constructor(private readonly options: OmiRelayOptions) {
    this.report = {
      framesEncoded: 0,
      framesSent: 0,
      framesDroppedOffline: 0,
      faults: { lost: 0, duplicated: 0, reordered: 0 },
      assembly: { notifications: 0, frames: 0, duplicates: 0, gaps: 0, late: 0, droppedFrames: 0, malformed: 0 },
      connections: 0,
      closes: [],
      pings: 0,
      events: [],
    };
    this.forcedReconnects = [...(options.reconnectAfterFrames ?? [])].sort((a, b) => a - b);
  }

  /** The relay's counts and the transcript so far. */
  snapshot(): RelayReport {
    const segments = [...this.segmentsById.values()].sort((a, b) => a.start - b.start);
    return {
      ...this.report,
      faults: { ...this.report.faults },
      assembly: { ...this.report.assembly },
      closes: [...this.report.closes],
      events: [...this.report.events],
      segments,
    };
  }

  /** The socket URL with Omi's query parameters. */
  listenUrl(): string {
    const url = new URL(this.options.url);
    if (url.pathname === '/' || url.pathname === '') url.pathname = this.options.web ? '/v4/web/listen' : '/v4/listen';
    url.searchParams.set('language', this.options.language ?? 'en');
    url.searchParams.set('sample_rate', String(DEVICE_SAMPLE_RATE));
    url.searchParams.set('codec', this.options.codec ?? 'opus');
    if (this.options.conversationTimeout !== undefined) url.searchParams.set('conversation_timeout', String(this.options.conversationTimeout));
    for (const [name, value] of Object.entries(this.options.query ?? {})) url.searchParams.set(name, value);
    return url.toString();
  }

  /**
   * Streams 16 kHz mono PCM as the device and the app would, and resolves once
   * every frame has been handed to a socket (the server's answers may still be coming).
   */
  async stream(samples: Int16Array): Promise<RelayReport> {
    return this.streamPackets(encodeDeviceFrames(samples, this.options.codec ?? 'opus'));
  }

  /**
   * Streams codec frames the device already made (`encodeDeviceFrames`): many
   * relays can share one encoding of the same audio (the bench does).
   */
  async streamPackets(frames: readonly Buffer[]): Promise<RelayReport> {
    this.report.framesEncoded += frames.length;
    const notifier = new BleNotifier(this.options.notificationBytes ?? DEFAULT_NOTIFICATION_BYTES);
    const link = new FaultInjector(this.options.faults ?? {}, seededRandom(this.options.seed ?? 1));
    const assembler = new BleFrameAssembler();
    const pace = this.options.pace ?? 1;
    const frameMs = (DEVICE_FRAME_SAMPLES / DEVICE_SAMPLE_RATE) * 1000;
    // A relay streams again on the socket it has (the bench opens every stream before any audio).
    if (this.socket?.readyState !== WebSocket.OPEN) await this.connect();
    const started = performance.now();
    for (let index = 0; index < frames.length && !this.closed; index++) {
      if (Number.isFinite(pace)) {
        const due = started + (index * frameMs) / pace;
        const wait = due - performance.now();
        if (wait > Math.max(1, this.options.burstMs ?? 0)) await delay(wait);
      }
      const delivered = notifier.notify(frames[index]).flatMap((notification) => link.push(notification));
      for (const notification of delivered) for (const frame of assembler.push(notification)) await this.send(frame);
    }
    for (const notification of link.flush()) for (const frame of assembler.push(notification)) await this.send(frame);
    for (const frame of assembler.flush()) await this.send(frame);
    Object.assign(this.report.faults, link.counts);
    Object.assign(this.report.assembly, assembler.counts);
    // A socket the server just closed is reconnecting: the queued frames go out on the new one.
    while (this.queue.length > 0 && !this.closed) {
      await this.drainQueue();
      if (this.queue.length > 0) await this.nextChange(25);
    }
    return this.snapshot();
  }

  /**
   * Resolves when `condition` holds (checked on every server message and every
   * 25 ms, for conditions on other state), rejects after `timeoutMs`.
   */
  async waitFor(condition: (report: RelayReport) => boolean, timeoutMs: number): Promise<RelayReport> {
    const deadline = Date.now() + timeoutMs;
    while (!condition(this.snapshot())) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`relay: condition not met within ${timeoutMs} ms (${JSON.stringify(summarise(this.snapshot()))})`);
      await this.nextChange(Math.min(remaining, 25));
    }
    return this.snapshot();
  }

  /** Closes the socket (1000) and stops reconnecting. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.keepAlive);
    const socket = this.socket;
    this.socket = undefined;
    this.wake();
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else socket.close(1000, 'relay finished');
    });
  }

  private async send(frame: Buffer): Promise<void> {
    if (this.forcedReconnects.length > 0 && this.report.framesSent >= this.forcedReconnects[0]) {
      this.forcedReconnects.shift();
      await this.forceReconnect();
    }
    this.queue.push(frame);
    const limit = this.options.maxQueuedFrames ?? 1000;
    while (this.queue.length > limit) {
      this.queue.shift();
      this.report.framesDroppedOffline++;
    }
    await this.drainQueue();
  }

  private async drainQueue(): Promise<void> {
    for (;;) {
      if (this.closed) return;
      const socket = this.socket;
      if (!socket || socket.readyState !== WebSocket.OPEN) {
        // Frames wait in the queue while the app reconnects; the caller's next send or the final drain retries.
        if (!this.connecting) return;
        await this.connecting;
        continue;
      }
      const frame = this.queue.shift();
      if (!frame) return;
      socket.send(frame);
      this.lastSentAt = Date.now();
      this.report.framesSent++;
    }
  }

  private async forceReconnect(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket && socket.readyState === WebSocket.OPEN) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.close(1000, 'network change');
      });
    }
    this.report.closes.push({ code: 1000, reason: 'network change', forced: true });
    await this.connect(1);
  }

  /** Opens a socket, retrying with the app's back-off; `attempt` 1 waits one back-off step first. */
  private connect(firstAttempt = 0): Promise<void> {
    if (this.connecting) return this.connecting;
    this.connecting = (async () => {
      const base = this.options.backoffBaseMs ?? 1000;
      const factor = this.options.backoffFactor ?? 1.5;
      const maxAttempts = this.options.maxReconnects ?? 8;
      let lastError = '';
      for (let attempt = firstAttempt; attempt <= maxAttempts && !this.closed; attempt++) {
        if (attempt > 0) await delay(base * factor ** (attempt - 1));
        try {
          this.socket = await this.open();
          this.report.connections++;
          this.startKeepAlive();
          return;
        } catch (error) {
          lastError = (error as Error).message;
          // A refusal (bad key, failed first-message auth) is final, as in the app.
          if (this.report.failure) break;
        }
      }
      if (!this.closed && !this.report.failure) this.report.failure = `gave up after ${maxAttempts} reconnects: ${lastError}`;
      this.closed = true;
    })().finally(() => {
      this.connecting = undefined;
      this.wake();
    });
    return this.connecting;
  }

  private open(): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      if (this.options.credential && !this.options.web) headers.authorization = `Bearer ${this.options.credential}`;
      const socket = new WebSocket(this.listenUrl(), { headers });
      let opened = false;
      let readyTimer: NodeJS.Timeout | undefined;
      const accept = () => {
        if (!this.options.awaitReady) {
          opened = true;
          resolve(socket);
          return;
        }
        readyTimer = setTimeout(() => {
          reject(new Error(`no service_status ready within ${this.options.readyTimeoutMs ?? 120_000} ms`));
          socket.terminate();
        }, this.options.readyTimeoutMs ?? 120_000);
      };
      socket.on('open', () => {
        if (this.options.web) socket.send(JSON.stringify({ type: 'auth', token: this.options.credential ?? '' }));
        else accept();
      });
      socket.on('message', (data, isBinary) => {
        if (isBinary) return;
        const text = Array.isArray(data)
          ? Buffer.concat(data).toString('utf8')
          : Buffer.isBuffer(data)
            ? data.toString('utf8')
            : Buffer.from(data).toString('utf8');
        const message = parseServerMessage(text);
        if (this.options.web && !opened && !readyTimer && message.kind === 'event' && message.event.type === 'auth_response') {
          if (message.event.success === true) {
            accept();
          } else {
            this.report.failure = 'auth_response: success false';
            socket.close(1000);
            reject(new Error(this.report.failure));
          }
          return;
        }
        if (!opened && readyTimer && message.kind === 'event' && message.event.type === 'service_status' && message.event.status === 'ready') {
          clearTimeout(readyTimer);
          opened = true;
          resolve(socket);
        }
        this.receive(message);
      });
      socket.on('error', (error) => {
        if (!opened) reject(error);
      });
      socket.on('unexpected-response', (_request, response) => {
        if (response.statusCode === 401 || response.statusCode === 403) this.report.failure = `refused with HTTP ${response.statusCode}`;
        reject(new Error(`HTTP ${response.statusCode}`));
        response.resume();
        socket.terminate();
      });
      socket.on('close', (code, reason) => {
        clearTimeout(readyTimer);
        if (!opened) {
          reject(new Error(`closed with ${code} before it opened`));
          return;
        }
        if (this.socket !== socket) return;
        this.socket = undefined;
        this.report.closes.push({ code, reason: reason.toString('utf8'), forced: false });
        if (FINAL_CLOSE_CODES.has(code)) {
          this.report.failure = `closed with ${code} ${reason.toString('utf8')}`;
          this.closed = true;
        } else if (!this.closed) {
          void this.connect(1);
        }
        this.wake();
      });
    });
  }

  private startKeepAlive(): void {
    const interval = this.options.keepAliveIntervalMs ?? 20_000;
    if (interval <= 0 || this.keepAlive) return;
    this.lastSentAt = Date.now();
    this.keepAlive = setInterval(
      () => {
        const socket = this.socket;
        if (!socket || socket.readyState !== WebSocket.OPEN || Date.now() - this.lastSentAt < interval) return;
        socket.send(Buffer.from([0]));
        this.lastSentAt = Date.now();
      },
      Math.max(10, interval / 4),
    );
    this.keepAlive.unref();
  }

  private receive(message: RelayServerMessage): void {
    if (message.kind === 'ping') this.report.pings++;
    else if (message.kind === 'segments') for (const segment of message.segments) this.segmentsById.set(segment.id, segment);
    else if (message.kind === 'event') this.report.events.push(message.event);
    this.options.onMessage?.(message);
    this.wake();
  }

  /** Resolves on the next server message or socket change, or after `timeoutMs`. */
  private nextChange(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(finish, timeoutMs);
      const waiters = this.waiters;
      function finish(): void {
        clearTimeout(timer);
        waiters.delete(finish);
        resolve();
      }
      waiters.add(finish);
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
    this.waiters.clear();
  }
}

/** Omi's server messages: the text `ping`, a JSON array of segments, or an event object with `type`. */
export function parseServerMessage(text: string): RelayServerMessage {
  if (text === 'ping') return { kind: 'ping' };
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value)) return { kind: 'segments', segments: value as TranscriptSegment[] };
    if (value && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string') {
      return { kind: 'event', event: value as { type: string } };
    }
  } catch {
    // Not JSON: reported as it came.
  }
  return { kind: 'other', text };
}

/** The transcript a relay heard: its segments' texts in start order. */
export function transcriptText(report: RelayReport): string {
  return report.segments
    .map((segment) => segment.text.trim())
    .filter((text) => text.length > 0)
    .join(' ');
}

/** The device's frames of 16 kHz mono PCM: Opus packets (the Dev Kit 2), or 10 ms of raw 16-bit PCM. */
export function encodeDeviceFrames(samples: Int16Array, codec: 'opus' | 'pcm16'): Buffer[] {
  if (codec === 'pcm16') return pcmFrames(samples);
  const encoder = new OpusFrameEncoder();
  try {
    return encoder.encode(samples);
  } finally {
    encoder.close();
  }
}

function pcmFrames(samples: Int16Array): Buffer[] {
  const frames: Buffer[] = [];
  for (let offset = 0; offset < samples.length; offset += DEVICE_FRAME_SAMPLES) {
    const frame = samples.slice(offset, offset + DEVICE_FRAME_SAMPLES);
    frames.push(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
  }
  return frames;
}

function summarise(report: RelayReport): Record<string, unknown> {
  return {
    framesSent: report.framesSent,
    connections: report.connections,
    closes: report.closes,
    segments: report.segments.length,
    events: report.events.map((event) => event.type),
    failure: report.failure,
  };
}
