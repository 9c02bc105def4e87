import type { SqlClient } from '@switchyard/database';
import type { EventPublisher } from '@switchyard/events';
import type { EdgeConversationsConfig, Logger, WorkspaceScope } from '@switchyard/shared';
import type { TranscriptSegment } from '../contracts';
import { SqlConversationStore, type ConversationListQuery, type ConversationReader, type ConversationRecord, type ConversationWriter } from './conversation-store';
import { GatewayConversationSummarizer } from './conversation-summarizer';
import { SummarizingConversationTracker } from './conversation-tracker';
import { ConversationWebhooks, type WebhookObserver } from './conversation-webhooks';

export interface ConversationTrackingOptions {
  /** `edge.conversations` of the config. */
  config: EdgeConversationsConfig;
  /** The records database (opened at first need in one process); none: conversations are only published. */
  client?: () => Promise<SqlClient>;
  /** Segment and conversation events: the in-process bus, or Kafka in distributed mode. */
  publisher?: EventPublisher;
  /** Where summaries go when `summary.baseUrl` is not set: this process's own gateway, once it listens. */
  gatewayUrl?: () => string;
  logger: Logger;
  webhookObserver?: WebhookObserver;
}

export interface ConversationTracking {
  tracker: SummarizingConversationTracker;
  /** What `/v1/conversations` reads (undefined without a database). */
  store?: ConversationReader & ConversationWriter;
  /** Ends the open conversations (summarising them), then waits for their webhooks. */
  close(): Promise<void>;
}

/** The conversation tracker with its summarizer, store and webhooks, as `edge.conversations` configures them. */
export function startConversationTracking(options: ConversationTrackingOptions): ConversationTracking {
  const { config, logger } = options;
  const baseUrl = config.summary.baseUrl ?? options.gatewayUrl;
  if (baseUrl === undefined) throw new Error('edge.conversations.summary.baseUrl: summaries need the address of a gateway.');
  const store = options.client ? openingConversationStore(options.client) : undefined;
  const webhooks = new ConversationWebhooks(config, { logger, observer: options.webhookObserver });
  const tracker = new SummarizingConversationTracker({
    summarizer: new GatewayConversationSummarizer({
      baseUrl,
      model: config.summary.model,
      timeoutMs: config.summary.timeoutMs,
      maxTranscriptCharacters: config.summary.maxTranscriptCharacters,
    }),
    store,
    publisher: options.publisher,
    notifier: webhooks.configured ? webhooks : undefined,
    logger,
    minTimeoutSeconds: config.minTimeoutSeconds,
    checkIntervalMs: config.checkIntervalMs,
  });
  return {
    tracker,
    store,
    close: async () => {
      await tracker.close();
      await webhooks.close();
    },
  };
}

/** A conversation store whose tables are reached at first use (the records database may open lazily). */
export function openingConversationStore(client: () => Promise<SqlClient>): ConversationReader & ConversationWriter {
  let opening: Promise<SqlConversationStore> | undefined;
  const opened = (): Promise<SqlConversationStore> => {
    opening ??= client().then((sql) => new SqlConversationStore(sql));
    opening.catch(() => (opening = undefined));
    return opening;
  };
  return {
    saveConversation: async (record: ConversationRecord) => (await opened()).saveConversation(record),
    saveSegments: async (id: string, segments: readonly TranscriptSegment[]) => (await opened()).saveSegments(id, segments),
    listConversations: async (query: ConversationListQuery) => (await opened()).listConversations(query),
    getConversation: async (id: string, scope: WorkspaceScope) => (await opened()).getConversation(id, scope),
  };
}
