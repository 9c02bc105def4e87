import { z } from 'zod';
import { edgeConversationsConfigSchema } from './edge-conversations-config';
import { edgeSpeechConfigSchema } from './edge-speech-config';

/**
 * Edge ingest: Omi's `/v4/listen`, `/v4/web/listen` and
 * `/v1/sync-local-files`, served on the gateway's port in one process and by
 * the `edge-ingest` role in distributed mode. The timings default to what
 * Omi's app expects of its own backend.
 */
export const edgeConfigSchema = z
  .strictObject({
    /** Serve the edge routes at all. */
    enabled: z.boolean().default(true),
    /** Port of the `edge-ingest` role (distributed mode). */
    port: z.number().int().min(0).max(65535).default(8090),
    /** Streams open at once; past it a new one is closed with 1013 (try again later). */
    maxStreams: z.number().int().positive().default(4096),
    /** The longest WebSocket message; a longer one closes the stream with 1009. Opus packets are ~40 bytes. */
    maxMessageBytes: z.number().int().min(64).max(16 * 1024 * 1024).default(64 * 1024),
    /** The text `ping` the server sends, as Omi's backend does. */
    pingIntervalSeconds: z.number().positive().default(10),
    /** A stream that sends nothing (audio, keep-alive or text) this long is closed with 1001. */
    idleTimeoutSeconds: z.number().positive().default(90),
    /** `/v4/web/listen`: how long the first message (`{"type":"auth","token":…}`) may take. */
    authTimeoutSeconds: z.number().positive().default(10),
    /** Packets held while a stream starts (conversation, decoder); past it they are shed and counted. */
    pendingPackets: z.number().int().positive().default(1_000),
    /** Bytes queued to a client that does not read; past it the client is dropped, counted as `slow_reader`. */
    maxBufferedBytes: z.number().int().positive().default(4 * 1024 * 1024),
    /** Undecodable packets in a row after which the stream is closed with 1003 (not audio of its codec). */
    maxConsecutiveUndecodable: z.number().int().positive().default(500),
    /** `POST /v1/sync-local-files`: the largest body and the most files in one. */
    sync: z
      .strictObject({
        maxBodyBytes: z.number().int().positive().default(64 * 1024 * 1024),
        maxFiles: z.number().int().positive().default(64),
      })
      .prefault({}),
    /** The audio pipeline: voice activity and speech to text (edge-speech-config.ts). */
    speech: edgeSpeechConfigSchema,
    /** Conversations: timeouts, summaries, webhooks (edge-conversations-config.ts). */
    conversations: edgeConversationsConfigSchema,
  })
  .prefault({});

export type EdgeConfig = z.infer<typeof edgeConfigSchema>;
