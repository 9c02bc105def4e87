import type { SqlClient } from '@switchyard/database';
import { ConversationEventSink, openingConversationStore, SqlConversationStore } from '@switchyard/edge-ingest';
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
