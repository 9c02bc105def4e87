import { Counter, type Registry } from 'prom-client';
import type { SqlClient } from '@switchyard/database';
import {
  ConversationEventSink,
  openingConversationStore,
  SqlConversationStore,
  type ConversationObserver,
  type WebhookObserver,
} from '@switchyard/edge-ingest';
import { TOPICS, type Topic } from '@switchyard/events';
import type { GatewayServerOptions } from '@switchyard/gateway';

/**
 * `/v1/conversations` reads the conversation tables of the records database
 * (opened at first use): in one process the tracker writes them directly;
 * in distributed mode the observability consumers write them from the
 * edge topics (below) and each gateway reads them as it reads stored
 * responses. Without a records database: a 404 there.
 */
export function conversationRoutesOptions(client: (() => Promise<SqlClient>) | undefined): Pick<GatewayServerOptions, 'conversations'> {
  return client ? { conversations: openingConversationStore(client) } : {};
}

/** The observability consumers' sink of the edge topics: segments and conversations into their tables. */
export function conversationRecordSinks(): { create(client: SqlClient): ConversationEventSink; topics: readonly Topic[] }[] {
  return [
    {
      create: (client) => new ConversationEventSink(new SqlConversationStore(client)),
      topics: [TOPICS.conversationUpdated, TOPICS.transcriptSegments],
    },
  ];
}

/**
 * The conversations' counters, for `startConversationTracking`'s
 * `observer` and `webhookObserver`:
 * `switchyard_edge_conversations_ended_total{outcome}` (completed, failed,
 * dropped) and `switchyard_edge_webhook_deliveries_total{kind,outcome}`
 * (delivered, failed, dropped).
 */
export function conversationMetrics(registry: Registry): { observer: ConversationObserver; webhookObserver: WebhookObserver } {
  const ended = new Counter({
    name: 'switchyard_edge_conversations_ended_total',
    help: 'Edge conversations ended, by outcome: summarised (completed), summary failed, or dropped without speech.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const deliveries = new Counter({
    name: 'switchyard_edge_webhook_deliveries_total',
    help: 'Developer webhook deliveries of edge conversations, by kind and outcome (dropped: over the pending bound).',
    labelNames: ['kind', 'outcome'],
    registers: [registry],
  });
  return {
    observer: { conversationEnded: (outcome) => ended.inc({ outcome }) },
    webhookObserver: {
      delivered: (kind) => deliveries.inc({ kind, outcome: 'delivered' }),
      failed: (kind) => deliveries.inc({ kind, outcome: 'failed' }),
      dropped: (kind) => deliveries.inc({ kind, outcome: 'dropped' }),
    },
  };
}
