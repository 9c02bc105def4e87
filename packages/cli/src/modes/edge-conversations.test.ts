import pino from 'pino';
import { Registry } from 'prom-client';
import { ConversationWebhooks, SummarizingConversationTracker, type ConversationSummary, type TranscriptSegment } from '@switchyard/edge-ingest';
import { edgeConversationsConfigSchema } from '@switchyard/shared';
import { waitFor } from '../../../../test/support/wait-for';
import { conversationMetrics } from './edge-conversations';

const SEGMENT: TranscriptSegment = {
  id: 's1',
  text: 'Hi.',
  speaker: 'SPEAKER_00',
  speaker_id: 0,
  is_user: false,
  person_id: null,
  start: 0,
  end: 1,
  translations: [],
  speech_profile_processed: false,
  stt_provider: 'test',
};

const SUMMARY: ConversationSummary = {
  structured: { title: 't', overview: 'o', emoji: '🙂', category: 'other', action_items: [], events: [] },
  memories: [],
};

describe('conversationMetrics', () => {
  it('counts how conversations end and how their webhooks went', async () => {
    const registry = new Registry();
    const metrics = conversationMetrics(registry);
    const logger = pino({ level: 'silent' });
    // A metadata address: refused before any connection, so the delivery fails at once.
    const webhooks = new ConversationWebhooks(
      edgeConversationsConfigSchema.parse({ webhooks: { 'team-a': { conversationCreated: 'http://169.254.169.254/hook' } } }),
      { logger, observer: metrics.webhookObserver },
    );
    let clock = Date.parse('2026-12-05T09:00:00Z');
    let summaries = 0;
    const tracker = new SummarizingConversationTracker({
      // The first summary works, the second fails.
      summarizer: { summarize: async () => (summaries++ === 0 ? SUMMARY : Promise.reject(new Error('upstream down'))) },
      notifier: webhooks,
      observer: metrics.observer,
      logger,
      minTimeoutSeconds: 120,
      checkIntervalMs: 10,
      now: () => clock,
    });
    try {
      for (const uid of ['u1', 'u2', 'u3']) {
        const handle = await tracker.open({ workspace: 'team-a', uid, keyId: '' }, { language: 'en', timeoutSeconds: 120, source: 'omi' });
        if (uid !== 'u3') handle.segments([SEGMENT]);
        handle.detach();
      }
      clock += 121_000;
      const text = () => registry.metrics();
      await waitFor(text, (value) => value.includes('switchyard_edge_webhook_deliveries_total{kind="conversation_created",outcome="failed"} 1'), {
        timeoutMs: 5_000,
        what: 'the failed webhook',
      });
      const value = await text();
      expect(value).toContain('switchyard_edge_conversations_ended_total{outcome="completed"} 1');
      expect(value).toContain('switchyard_edge_conversations_ended_total{outcome="failed"} 1');
      expect(value).toContain('switchyard_edge_conversations_ended_total{outcome="dropped"} 1');
    } finally {
      await tracker.close();
      await webhooks.close();
    }
  });
});
