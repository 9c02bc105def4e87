import { z } from 'zod';

const ENV_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

/**
 * A developer webhook's URL: `http(s)://…` without a password, or a
 * reference to an environment variable holding one (`${TRANSCRIPT_WEBHOOK}`)
 * when it carries its own credential.
 */
const webhookUrl = z.string().refine(
  (value) => {
    if (ENV_REFERENCE.test(value)) return true;
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.password === '';
    } catch {
      return false;
    }
  },
  { message: 'must be an http(s) URL without a password, or a reference to an environment variable such as ${TRANSCRIPT_WEBHOOK_URL}' },
);

/** Omi's developer integrations, per workspace: each POSTs to the URL with `?uid=<user>` (audio also `&sample_rate=`). */
const workspaceWebhooksSchema = z.strictObject({
  /** `{"session_id", "segments": [...]}` as segments arrive. */
  transcript: webhookUrl.optional(),
  /** Raw 16-bit little-endian mono PCM (`application/octet-stream`), every `intervalSeconds` of audio. */
  audioBytes: z.strictObject({ url: webhookUrl, intervalSeconds: z.number().int().min(1).max(300).default(5) }).optional(),
  /** The whole conversation, as `GET /v1/conversations/{id}` shows it, once summarised. */
  conversationCreated: webhookUrl.optional(),
});

/**
 * `edge.conversations`: when a conversation of a wearable stream ends, how
 * it is summarised, and the developer webhooks it feeds.
 */
export const edgeConversationsConfigSchema = z
  .strictObject({
    /** Shorter `conversation_timeout`s are raised to this (Omi's minimum, 120 s). */
    minTimeoutSeconds: z.number().int().min(1).default(120),
    /** How often open conversations are checked for silence (Omi: every 5 s). */
    checkIntervalMs: z.number().int().min(100).default(5_000),
    summary: z
      .strictObject({
        /** The gateway summaries go through (`POST {baseUrl}/v1/chat/completions`); default: this process's own gateway. */
        baseUrl: z.url().optional(),
        /** The model asked for the summary and memories (routed like any request). */
        model: z.string().min(1).default('gpt-4o-mini'),
        timeoutMs: z.number().int().positive().default(60_000),
        /** A longer transcript is cut before it is sent (its start is kept). */
        maxTranscriptCharacters: z.number().int().min(1_000).default(60_000),
      })
      .prefault({}),
    /** Webhooks by workspace name. */
    webhooks: z.record(z.string().min(1), workspaceWebhooksSchema).default({}),
    /** How webhooks are sent: each try bounded by `timeoutMs`, retried with exponential back-off and full jitter. */
    delivery: z
      .strictObject({
        maxAttempts: z.number().int().positive().max(20).default(5),
        initialBackoffMs: z.number().int().positive().default(1_000),
        maxBackoffMs: z.number().int().positive().default(60_000),
        timeoutMs: z.number().int().positive().default(5_000),
        /** Deliveries waiting or under way at most; more are dropped (counted and logged). */
        maxPending: z.number().int().positive().default(1_000),
        /**
         * Webhooks may reach loopback, private, link-local and other
         * non-public addresses. Off by default: a webhook URL must not be a
         * way into the network the gateway runs in.
         */
        allowPrivateAddresses: z.boolean().default(false),
      })
      .prefault({}),
  })
  .prefault({});

export type EdgeConversationsConfig = z.infer<typeof edgeConversationsConfigSchema>;
