import type { RawData, WebSocket } from 'ws';
import type { EdgeConfig, Logger } from '@switchyard/shared';
import type {
  AudioPipeline,
  AudioPipelineFactory,
  ConversationEvent,
  ConversationHandle,
  ConversationTracker,
  StreamOwner,
  TranscriptSegment,
} from '../contracts';
import { createAudioDecoder, type AudioDecoder } from '../decode/audio-decoder';
import { OMI_CLOSE_CODES } from './close-codes';
import type { EdgeIngestMetrics } from './edge-ingest-metrics';
import type { ListenParameters } from './listen-parameters';
import { closeForAuthenticationError } from './stream-authentication';

export type EdgeLimits = Pick<
  EdgeConfig,
  'pingIntervalSeconds' | 'idleTimeoutSeconds' | 'authTimeoutSeconds' | 'pendingPackets' | 'maxBufferedBytes' | 'maxConsecutiveUndecodable'
>;

export interface ListenStreamDependencies {
  tracker: ConversationTracker;
  pipelines: AudioPipelineFactory;
  metrics: EdgeIngestMetrics;
  logger: Logger;
  limits: EdgeLimits;
  /**
   * Awaited before each stream starts: loads what the pipelines need at first
   * use (the speech engine, the voice-activity model). Failing, the stream is
   * told `stt_failed` and closed with 1011.
   */
  prepare?: () => Promise<void>;
}

/** Messages of 2 bytes or fewer are the app's keep-alives, not audio. */
const KEEPALIVE_MAX_BYTES = 2;
/** Undecodable packets are judged over this many of the latest packets. */
const UNDECODABLE_WINDOW = 100;
/** A `service_status` about undecodable audio is sent past this share of the window. */
const UNDECODABLE_ALERT_SHARE = 0.1;
/** The same status (undecodable, shedding) is repeated at most this often. */
const STATUS_REPEAT_MS = 5_000;

/**
 * One Omi audio stream on one WebSocket, from its first message to its
 * close. Packets that arrive while it starts (credential, conversation,
 * decoder) wait in a bounded queue; then each is decoded on its own and
 * pushed to the audio pipeline on the conversation's clock. Segments go
 * back as JSON arrays (upserts by id) and to the conversation; voice
 * activity as `{"type":"voice_activity"}`; conversation events as they are.
 *
 * Nothing is held without bound: a full pending queue or pipeline sheds
 * (counted, and told to the client), and a client whose unread messages
 * pass `maxBufferedBytes` is dropped (counted as `slow_reader`).
 */
export class ListenStream {
  private state: 'starting' | 'streaming' | 'closed' = 'starting';
  private readonly pending: Buffer[] = [];
  private decoder?: AudioDecoder;
  private pipeline?: AudioPipeline;
  private conversation?: ConversationHandle;
  private stopEvents?: () => void;
  private decodedSamples = 0;
  private consecutiveUndecodable = 0;
  private readonly recent: boolean[] = [];
  private recentUndecodable = 0;
  private readonly lastStatusAt = new Map<string, number>();
  private readonly pingTimer: NodeJS.Timeout;
  private readonly idleTimer: NodeJS.Timeout;
  private closeCode: number = OMI_CLOSE_CODES.normal;
  private markFinished!: () => void;
  /** Settles once the stream has closed and its pipeline has finished. */
  readonly finished = new Promise<void>((resolve) => (this.markFinished = resolve));

  constructor(
    private readonly socket: WebSocket,
    private readonly parameters: ListenParameters,
    private readonly dependencies: ListenStreamDependencies,
  ) {
    const { limits, metrics } = dependencies;
    metrics.streamOpened();
    this.pingTimer = setInterval(() => this.send('ping'), limits.pingIntervalSeconds * 1000);
    this.idleTimer = setTimeout(() => this.close(OMI_CLOSE_CODES.goingAway, `Nothing received for ${limits.idleTimeoutSeconds} s.`), limits.idleTimeoutSeconds * 1000);
    socket.on('message', (data, isBinary) => this.received(data, isBinary));
    socket.on('error', (error) => dependencies.logger.debug({ err: error }, 'edge-stream-socket-error'));
    socket.on('close', (code) => void this.closed(code));
  }

  /** Where text messages go before the stream starts (`/v4/web/listen`'s auth message); binary ones wait in the queue. */
  textBeforeStart?: (text: string) => void;

  /** Starts streaming for the authenticated owner: conversation, decoder, pipeline, then the packets that waited. */
  async start(owner: StreamOwner): Promise<void> {
    if (this.state !== 'starting') return;
    const { tracker, pipelines, logger } = this.dependencies;
    const { codec, language, sampleRate, conversationTimeoutSeconds } = this.parameters;
    this.sendJson({ type: 'service_status', status: 'initiating', status_text: 'Service starting' });
    try {
      await this.dependencies.prepare?.();
      if (this.isClosed()) return;
      const conversation = await tracker.open(owner, { language, timeoutSeconds: conversationTimeoutSeconds, source: 'omi' });
      this.conversation = conversation;
      if (this.isClosed()) {
        conversation.detach();
        return;
      }
      this.stopEvents = conversation.onEvent((event) => this.conversationEvent(event));
      this.sendJson({ type: 'conversation_session', conversation_id: conversation.id, resumed: conversation.resumed });
      this.sendJson({ type: 'service_status', status: 'stt_initiating', status_text: 'Speech to text starting' });
      this.decoder = await createAudioDecoder(codec);
      if (this.isClosed()) {
        this.decoder.close();
        return;
      }
      this.pipeline = pipelines(
        { owner, conversationId: conversation.id, language, sampleRate, offsetSeconds: conversation.offsetSeconds },
        {
          segments: (updated) => this.segments(updated),
          voiceActivity: (speaking, atSeconds) => this.sendJson({ type: 'voice_activity', speaking, at: atSeconds }),
          failed: (error) => {
            logger.warn({ err: error, conversationId: conversation.id }, 'edge-speech-to-text-failed');
            this.sendJson({ type: 'service_status', status: 'stt_failed', status_text: 'Speech to text failed' });
            this.close(OMI_CLOSE_CODES.serverError, 'Speech to text failed.');
          },
        },
      );
    } catch (error) {
      logger.error({ err: error }, 'edge-stream-start-failed');
      this.sendJson({ type: 'service_status', status: 'stt_failed', status_text: 'The stream could not start' });
      this.close(OMI_CLOSE_CODES.serverError, 'The stream could not start.');
      return;
    }
    if (this.isClosed()) return;
    this.state = 'streaming';
    this.sendJson({ type: 'service_status', status: 'ready', status_text: 'Ready' });
    for (const packet of this.pending.splice(0)) this.audio(packet);
  }

  /** Closes the stream for an authentication failure, with the code its kind calls for. */
  refuse(error: unknown): void {
    const [code, reason] = closeForAuthenticationError(error);
    this.close(code, reason);
  }

  /** Ends the stream at once, without a close handshake. */
  terminate(): void {
    this.socket.terminate();
  }

  close(code: number, reason: string): void {
    if (this.isClosed()) return;
    this.closeCode = code;
    this.state = 'closed';
    this.socket.close(code, reason);
  }

  private isClosed(): boolean {
    return this.state === 'closed' || this.socket.readyState !== this.socket.OPEN;
  }

  private received(data: RawData, isBinary: boolean): void {
    this.idleTimer.refresh();
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (!isBinary) {
      if (this.state === 'starting' && this.textBeforeStart) this.textBeforeStart(bytes.toString('utf8'));
      // The app's JSON messages (speaker_assigned, image_chunk, suggested_transcript) have no effect here.
      return;
    }
    const { codec } = this.parameters;
    if (bytes.length <= KEEPALIVE_MAX_BYTES) {
      this.dependencies.metrics.packet(codec, 'keepalive');
      return;
    }
    if (this.state === 'streaming') {
      this.audio(bytes);
      return;
    }
    if (this.state === 'closed') return;
    if (this.pending.length >= this.dependencies.limits.pendingPackets) {
      this.dependencies.metrics.packet(codec, 'shed_pending');
      this.status('audio_shed', 'Audio arrives faster than the stream starts; packets are dropped.');
      return;
    }
    this.pending.push(bytes);
  }

  private audio(packet: Buffer): void {
    const decoder = this.decoder;
    const pipeline = this.pipeline;
    if (!decoder || !pipeline || this.isClosed()) return;
    const { metrics, logger, limits } = this.dependencies;
    const { codec } = this.parameters;
    const result = decoder.decode(packet);
    if ('undecodable' in result) {
      metrics.packet(codec, 'undecodable');
      this.observeDecode(false);
      this.consecutiveUndecodable++;
      if (this.consecutiveUndecodable === 1) logger.warn({ codec, bytes: packet.length, reason: result.undecodable }, 'edge-packet-undecodable');
      if (this.consecutiveUndecodable >= limits.maxConsecutiveUndecodable) {
        metrics.dropped('too_many_undecodable');
        this.close(OMI_CLOSE_CODES.unsupportedData, `${this.consecutiveUndecodable} packets in a row were not ${codec} audio.`);
      }
      return;
    }
    this.consecutiveUndecodable = 0;
    this.observeDecode(true);
    const conversation = this.conversation;
    const atSeconds = (conversation?.offsetSeconds ?? 0) + this.decodedSamples / decoder.sampleRate;
    this.decodedSamples += result.samples.length;
    conversation?.audio(result.samples, decoder.sampleRate);
    if (pipeline.push(result.samples, atSeconds)) {
      metrics.packet(codec, 'decoded');
      return;
    }
    metrics.packet(codec, 'shed_pipeline');
    this.status('audio_shed', 'Speech processing is behind; audio is dropped.');
  }

  /** Keeps the share of undecodable packets among the latest ones, and tells the client when it is high. */
  private observeDecode(decoded: boolean): void {
    this.recent.push(!decoded);
    if (!decoded) this.recentUndecodable++;
    if (this.recent.length > UNDECODABLE_WINDOW && this.recent.shift()) this.recentUndecodable--;
    if (!decoded && this.recentUndecodable >= UNDECODABLE_WINDOW * UNDECODABLE_ALERT_SHARE) {
      this.status('audio_undecodable', `${this.recentUndecodable} of the last ${this.recent.length} packets were not ${this.parameters.codec} audio.`);
    }
  }

  private segments(updated: TranscriptSegment[]): void {
    if (updated.length === 0) return;
    this.conversation?.segments(updated);
    this.sendJson(updated);
  }

  private conversationEvent(event: ConversationEvent): void {
    this.sendJson(event);
  }

  /** A `service_status` of Omi's shape, repeated at most every few seconds. */
  private status(status: string, text: string): void {
    const now = Date.now();
    if (now - (this.lastStatusAt.get(status) ?? -Infinity) < STATUS_REPEAT_MS) return;
    this.lastStatusAt.set(status, now);
    this.dependencies.logger.warn({ status, detail: text }, 'edge-stream-status');
    this.sendJson({ type: 'service_status', status, status_text: text });
  }

  private sendJson(message: unknown): void {
    this.send(JSON.stringify(message));
  }

  /** Sends unless the client has stopped reading; one that has is dropped, not buffered for. */
  private send(text: string): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > this.dependencies.limits.maxBufferedBytes) {
      this.dependencies.metrics.dropped('slow_reader');
      this.dependencies.logger.warn({ bufferedBytes: this.socket.bufferedAmount }, 'edge-slow-reader-dropped');
      this.state = 'closed';
      this.closeCode = OMI_CLOSE_CODES.tryAgainLater;
      this.socket.terminate();
      return;
    }
    this.socket.send(text);
  }

  private async closed(code: number): Promise<void> {
    const wasStreaming = this.state === 'streaming';
    this.state = 'closed';
    clearInterval(this.pingTimer);
    clearTimeout(this.idleTimer);
    this.pending.length = 0;
    this.stopEvents?.();
    // A code the server chose is counted as such; 1005/1006 (no close frame) are counted as the peer's.
    this.dependencies.metrics.streamClosed(this.closeCode !== OMI_CLOSE_CODES.normal ? this.closeCode : code);
    try {
      // What the pipeline holds is transcribed and given to the conversation before it is let go.
      if (wasStreaming) await this.pipeline?.finish();
      else await this.pipeline?.close();
    } catch (error) {
      this.dependencies.logger.warn({ err: error }, 'edge-pipeline-finish-failed');
    } finally {
      this.decoder?.close();
      this.conversation?.detach();
      this.markFinished();
    }
  }
}
