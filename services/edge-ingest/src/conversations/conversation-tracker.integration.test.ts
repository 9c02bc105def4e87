import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { EventPublisher, SwitchyardEvent } from '@switchyard/events';
import { startGatewayServer, type GatewayServer } from '@switchyard/gateway';
import { LocalProviderAdapterService } from '@switchyard/provider-adapters';
import { LocalRouterService } from '@switchyard/router';
import { configSchema, type ObservabilityQueryService } from '@switchyard/shared';
import { keyPrincipal, InMemoryVerifier } from '../../../gateway/src/auth/__fixtures__/in-memory-verifiers';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../../../observability/src/storage/__fixtures__/event-databases';
import { DEFAULT_FIXTURES, openAIFixture, startMockOpenAIUpstream, type MockOpenAIUpstream } from '../../../../test/support/mock-openai-upstream';
import { waitFor } from '../../../../test/support/wait-for';
import type { ConversationEvent, StoredConversation, StreamOwner, TranscriptSegment } from '../contracts';
import { ConversationEventSink } from './conversation-events';
import { SqlConversationStore } from './conversation-store';
import { CONVERSATION_SUMMARY_SCHEMA, GatewayConversationSummarizer } from './conversation-summarizer';
import { SummarizingConversationTracker } from './conversation-tracker';
import { testSegment } from '../__fixtures__/transcript-segment';

/**
 * Conversations end to end on both records databases: segments from a
 * stream, the end after `conversation_timeout` of silence (on a clock the
 * test moves), the summary through a real gateway in front of a loopback
 * upstream answering in OpenAI's recorded format, the rows, the events
 * (and a second database filled from them alone, as in distributed mode),
 * and `/v1/conversations` reading them back, workspace-scoped.
 */

jest.setTimeout(120_000);

const TEAM_A_KEY = 'sk-sy-team-a-conversations-0123456789';
const TEAM_B_KEY = 'sk-sy-team-b-conversations-0123456789';
const MODEL = 'gpt-4.1-nano-2025-04-14';
const START = Date.parse('2026-12-05T09:00:00Z');

const SUMMARY = {
  title: 'Planning the release',
  overview: 'Ana and the user agree to ship the release on Friday after the last review.',
  emoji: '🚀',
  category: 'work',
  action_items: [{ description: 'Finish the last review', completed: false, due_at: '2026-12-11T17:00:00Z' }],
  events: [{ title: 'Release', description: 'Ship the release', start: '2026-12-11T10:00:00Z', duration: 30 }],
  memories: [{ content: 'The user leads the Friday releases.', category: 'interesting' }],
};

const { memories: _memories, ...STRUCTURED } = SUMMARY;

/** OpenAI's recorded chat completion, with the summary as its message. */
function completionFixture(directory: string, content: string): string {
  const recorded = JSON.parse(readFileSync(openAIFixture(DEFAULT_FIXTURES.chat), 'utf8'));
  recorded.choices[0].message.content = content;
  const file = path.join(directory, `completion-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(recorded));
  return file;
}

function segment(id: string, text: string, start: number, end: number): TranscriptSegment {
  return testSegment(id, text, start, end);
}

class ArrayPublisher implements EventPublisher {
  readonly events: SwitchyardEvent[] = [];
  publish(event: SwitchyardEvent): void {
    this.events.push(event);
  }
  async close(): Promise<void> {}
}

const noQueries: ObservabilityQueryService = {
  listRequests: async () => ({ requests: [] }),
  getRequest: async () => undefined,
  usage: async () => [],
  deleteUserData: async () => ({ requests: 0, usage: 0, costs: 0 }),
  getTrace: async () => undefined,
  listTraces: async () => ({ traces: [] }),
};

describe.each(DATABASE_KINDS)('conversations on %s', (kind) => {
  let upstream: MockOpenAIUpstream;
  let database: TestDatabase;
  let replica: TestDatabase;
  let gateway: GatewayServer;
  let directory: string;
  let store: SqlConversationStore;
  let tracker: SummarizingConversationTracker;
  let publisher: ArrayPublisher;
  let clock = START;
  let owners = 0;

  /** A user of its own per test, so resumes never cross tests. */
  const nextOwner = (workspace = 'team-a'): StreamOwner => ({
    workspace,
    uid: `user-${++owners}`,
    keyId: `key_${workspace}`,
    credential: workspace === 'team-a' ? TEAM_A_KEY : TEAM_B_KEY,
  });

  beforeAll(async () => {
    directory = mkdtempSync(path.join(tmpdir(), 'switchyard-conversations-'));
    upstream = await startMockOpenAIUpstream();
    database = await openTestDatabase(kind);
    replica = await openTestDatabase(kind);
    store = new SqlConversationStore(database.client);
    const config = configSchema.parse({
      server: { port: 0 },
      providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'] } },
    });
    const verifier = new InMemoryVerifier().add(TEAM_A_KEY, keyPrincipal('team-a')).add(TEAM_B_KEY, keyPrincipal('team-b'));
    gateway = await startGatewayServer({
      config,
      router: new LocalRouterService(config),
      adapters: new LocalProviderAdapterService(config),
      events: { publish: () => undefined, close: async () => undefined },
      observability: noQueries,
      logger: pino({ level: 'silent' }),
      adminToken: 'admin-token-for-tests-0123456789',
      keyVerifier: verifier,
      tokenVerifier: verifier,
      conversations: store,
    });
  });

  beforeEach(() => {
    clock = START;
    upstream.reset();
    publisher = new ArrayPublisher();
    tracker = new SummarizingConversationTracker({
      summarizer: new GatewayConversationSummarizer({ baseUrl: gateway.url, model: MODEL, timeoutMs: 10_000, maxTranscriptCharacters: 10_000 }),
      store,
      publisher,
      logger: pino({ level: 'silent' }),
      minTimeoutSeconds: 120,
      checkIntervalMs: 10,
      now: () => clock,
    });
  });

  afterEach(async () => {
    await tracker?.close();
  });

  afterAll(async () => {
    await gateway?.close(100);
    await upstream?.close();
    await database?.dispose();
    await replica?.dispose();
    rmSync(directory, { recursive: true, force: true });
  });

  const get = (url: string, key = TEAM_A_KEY) => fetch(`${gateway.url}${url}`, { headers: { authorization: `Bearer ${key}` } });

  /** Moves the clock past the timeout and waits until the conversation has a final status. */
  async function endAndWait(id: string, seconds = 121): Promise<StoredConversation> {
    clock += seconds * 1000;
    return waitFor(
      () => store.getConversation(id, 'all'),
      (conversation) => conversation?.status === 'completed' || conversation?.status === 'failed',
      { timeoutMs: 20_000, what: `conversation ${id} to be summarised` },
    ) as Promise<StoredConversation>;
  }

  it('ends a conversation after the timeout of silence, summarises it through the gateway, stores it and tells the socket', async () => {
    upstream.enqueue({ kind: 'json-fixture', file: completionFixture(directory, JSON.stringify(SUMMARY)) });
    const owner = nextOwner();
    const handle = await tracker.open(owner, { language: 'en', timeoutSeconds: 120, source: 'omi' });
    expect(handle).toMatchObject({ resumed: false, offsetSeconds: 0 });
    const events: ConversationEvent[] = [];
    handle.onEvent((event) => events.push(event));
    handle.segments([segment('s1', 'Let us ship', 0.5, 1.2)]);
    handle.segments([segment('s1', 'Let us ship the release on Friday.', 0.5, 2.8), segment('s2', 'After the last review.', 3.1, 4.4)]);

    // Not yet: 119 s of silence is under the timeout.
    clock += 119_000;
    await tracker.open(nextOwner(), { language: 'en', timeoutSeconds: 120, source: 'omi' }).then((other) => other.detach());
    expect((await store.getConversation(handle.id, 'all'))?.status).toBe('in_progress');

    const stored = await endAndWait(handle.id, 2);
    expect(stored).toMatchObject({
      id: handle.id,
      workspace: 'team-a',
      uid: owner.uid,
      status: 'completed',
      language: 'en',
      source: 'omi',
      started_at: new Date(START).toISOString(),
      structured: STRUCTURED,
      memories: [{ id: `${handle.id}_m1`, content: SUMMARY.memories[0].content, category: 'interesting' }],
    });
    expect(stored.transcript_segments.map((item) => [item.id, item.text, item.end])).toEqual([
      ['s1', 'Let us ship the release on Friday.', 2.8],
      ['s2', 'After the last review.', 4.4],
    ]);
    await waitFor(
      () => events.map((event) => event.type),
      (types) => types.length === 2,
      { timeoutMs: 5_000, what: 'both socket events' },
    );
    expect(events[0]).toMatchObject({ type: 'memory_processing_started', memory: { id: handle.id, status: 'processing' } });
    expect(events[1]).toEqual({ type: 'memory_created', memory: stored, messages: [] });

    // The chat route got a strict JSON schema and the transcript, as the owner's request.
    expect(upstream.requests).toHaveLength(1);
    const sent = upstream.requests[0].body;
    expect(sent.model).toBe(MODEL);
    expect(sent.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'conversation_summary', strict: true, schema: CONVERSATION_SUMMARY_SCHEMA },
    });
    expect(sent.messages[1].content).toContain('[00:00] SPEAKER_00: Let us ship the release on Friday.\n[00:03] SPEAKER_00: After the last review.');

    // The API answers what was stored; the list leaves the transcript out.
    const one = await get(`/v1/conversations/${handle.id}`);
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual(stored);
    const list = await get(`/v1/conversations?uid=${owner.uid}`);
    const { transcript_segments: _segments, ...listed } = stored;
    expect(await list.json()).toEqual({ object: 'list', data: [listed], has_more: false, next_cursor: null });
  });

  it('resumes the conversation for a stream that reconnects within the timeout, and starts a new one after it', async () => {
    upstream.enqueue({ kind: 'json-fixture', file: completionFixture(directory, JSON.stringify(SUMMARY)) });
    const owner = nextOwner();
    const first = await tracker.open(owner, { language: 'en', timeoutSeconds: 120, source: 'omi' });
    first.segments([segment('a1', 'Before the tunnel.', 1, 2)]);
    first.detach();
    clock += 30_000;
    const second = await tracker.open(owner, { language: 'en', timeoutSeconds: 120, source: 'omi' });
    expect({ id: second.id, resumed: second.resumed, offsetSeconds: second.offsetSeconds }).toEqual({
      id: first.id,
      resumed: true,
      offsetSeconds: 30,
    });
    second.segments([segment('a2', 'After the tunnel.', 31, 32)]);
    second.detach();

    const stored = await endAndWait(first.id);
    expect(stored.transcript_segments.map((item) => item.text)).toEqual(['Before the tunnel.', 'After the tunnel.']);
    const third = await tracker.open(owner, { language: 'en', timeoutSeconds: 120, source: 'omi' });
    expect(third.id).not.toBe(first.id);
    expect(third.resumed).toBe(false);
    third.detach();
  });

  it('starts the next conversation for a stream that goes on talking after one ended, on that conversation’s clock', async () => {
    upstream.enqueue({ kind: 'json-fixture', file: completionFixture(directory, JSON.stringify(SUMMARY)) });
    upstream.enqueue({ kind: 'json-fixture', file: completionFixture(directory, JSON.stringify(SUMMARY)) });
    const handle = await tracker.open(nextOwner(), { language: 'en', timeoutSeconds: 120, source: 'omi' });
    const firstId = handle.id;
    handle.segments([segment('b1', 'Morning.', 1, 2)]);
    await endAndWait(firstId, 200);
    // The stream's clock went on: 200 s after the first conversation's start.
    handle.segments([segment('b2', 'Afternoon.', 200, 201.5)]);
    expect(handle.id).not.toBe(firstId);
    const next = await waitFor(
      () => store.getConversation(handle.id, 'all'),
      (conversation) => conversation !== undefined,
      { timeoutMs: 5_000, what: 'the next conversation' },
    );
    expect(next?.started_at).toBe(new Date(START + 200_000).toISOString());
    expect(next?.transcript_segments.map((item) => [item.text, item.start, item.end])).toEqual([['Afternoon.', 0, 1.5]]);
    handle.detach();
  });

  it('drops a conversation without speech and stores one whose summary failed as failed, without memory_created', async () => {
    const silent = await tracker.open(nextOwner(), { language: 'en', timeoutSeconds: 120, source: 'omi' });
    silent.detach();
    upstream.enqueue({ kind: 'json-fixture', file: completionFixture(directory, '{"title": "no other field"}') });
    const handle = await tracker.open(nextOwner(), { language: 'en', timeoutSeconds: 120, source: 'omi' });
    const events: string[] = [];
    handle.onEvent((event) => events.push(event.type));
    handle.segments([segment('c1', 'Something.', 0, 1)]);
    const stored = await endAndWait(handle.id);
    expect(stored).toMatchObject({ status: 'failed', structured: null, memories: [] });
    expect(await store.getConversation(silent.id, 'all')).toBeUndefined();
    expect(events).toEqual(['memory_processing_started']);
  });

  it('publishes events from which a second database rebuilds the same conversation, written twice or not', async () => {
    upstream.enqueue({ kind: 'json-fixture', file: completionFixture(directory, JSON.stringify(SUMMARY)) });
    const handle = await tracker.open(nextOwner(), { language: 'en', timeoutSeconds: 120, source: 'omi' });
    handle.segments([segment('d1', 'One', 0, 1)]);
    handle.segments([segment('d1', 'One two', 0, 2), segment('d2', 'Three.', 2.5, 3)]);
    const stored = await endAndWait(handle.id);
    await waitFor(
      () => publisher.events.length,
      (count) => count >= 4,
      { timeoutMs: 5_000, what: 'the completed conversation event' },
    );
    expect(publisher.events.map((item) => item.kind)).toEqual([
      'conversation-updated',
      'transcript-segments-updated',
      'conversation-updated',
      'conversation-updated',
    ]);
    const sink = new ConversationEventSink(new SqlConversationStore(replica.client));
    // Redelivered, out of order within the batch: the newest revision wins.
    await sink.writeBatch([...publisher.events].reverse());
    await sink.writeBatch(publisher.events);
    expect(await new SqlConversationStore(replica.client).getConversation(handle.id, 'all')).toEqual(stored);
  });

  it('shows a workspace only its own conversations, newest first, page by page', async () => {
    const owner = nextOwner();
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) {
      upstream.enqueue({ kind: 'json-fixture', file: completionFixture(directory, JSON.stringify(SUMMARY)) });
      const handle = await tracker.open(owner, { language: 'en', timeoutSeconds: 120, source: 'omi' });
      handle.segments([segment(`e${index}`, `Number ${index}.`, 0, 1)]);
      handle.detach();
      ids.push(handle.id);
      await endAndWait(handle.id);
    }
    const other = nextOwner('team-b');
    const theirs = await tracker.open(other, { language: 'en', timeoutSeconds: 120, source: 'omi' });
    theirs.segments([segment('f1', 'Private.', 0, 1)]);
    await waitFor(
      () => store.getConversation(theirs.id, 'all'),
      (conversation) => conversation !== undefined,
      { timeoutMs: 5_000, what: 'team-b row' },
    );

    const firstPage = (await (await get(`/v1/conversations?uid=${owner.uid}&limit=2`)).json()) as {
      data: { id: string }[];
      has_more: boolean;
      next_cursor: string;
    };
    expect(firstPage.data.map((item) => item.id)).toEqual([ids[2], ids[1]]);
    expect(firstPage.has_more).toBe(true);
    const secondPage = (await (await get(`/v1/conversations?uid=${owner.uid}&limit=2&after=${firstPage.next_cursor}`)).json()) as {
      data: { id: string }[];
      has_more: boolean;
    };
    expect(secondPage).toMatchObject({ data: [{ id: ids[0] }], has_more: false });

    // Another workspace's conversation is not there at all.
    const hidden = await get(`/v1/conversations/${theirs.id}`);
    expect(hidden.status).toBe(404);
    expect(await hidden.json()).toEqual({
      error: {
        message: `No conversation with id ${theirs.id} was found.`,
        type: 'invalid_request_error',
        param: 'id',
        code: 'conversation_not_found',
      },
    });
    expect(((await (await get(`/v1/conversations?uid=${other.uid}`)).json()) as { data: unknown[] }).data).toEqual([]);
    expect((await get(`/v1/conversations/${theirs.id}`, TEAM_B_KEY)).status).toBe(200);
    theirs.detach();
  });

  it('feeds the webhooks the transcript, the audio and the created conversation, and ends a stream’s audio when it detaches', async () => {
    const calls: string[] = [];
    await tracker.close();
    tracker = new SummarizingConversationTracker({
      summarizer: new GatewayConversationSummarizer({ baseUrl: () => gateway.url, model: MODEL, timeoutMs: 10_000, maxTranscriptCharacters: 10_000 }),
      store,
      notifier: {
        transcript: (owner, id, segments) => calls.push(`transcript ${owner.uid} ${id} ${segments.map((item) => item.id).join(',')}`),
        audio: (owner, id, samples, sampleRate) => calls.push(`audio ${owner.uid} ${id} ${samples.length}@${sampleRate}`),
        conversationCreated: (owner, conversation) => calls.push(`created ${owner.uid} ${conversation.id} ${conversation.status}`),
        streamEnded: (owner, id) => calls.push(`ended ${owner.uid} ${id}`),
      },
      logger: pino({ level: 'silent' }),
      minTimeoutSeconds: 120,
      checkIntervalMs: 10,
      now: () => clock,
    });
    upstream.enqueue({ kind: 'json-fixture', file: completionFixture(directory, JSON.stringify(SUMMARY)) });
    const owner = nextOwner();
    const handle = await tracker.open(owner, { language: 'en', timeoutSeconds: 120, source: 'omi' });
    handle.audio(new Int16Array(1_600), 16_000);
    handle.segments([segment('g1', 'Hi.', 0, 0.5)]);
    handle.detach();
    // After detaching, nothing more reaches the conversation.
    handle.audio(new Int16Array(1_600), 16_000);
    await endAndWait(handle.id);
    await waitFor(
      () => calls.length,
      (count) => count >= 4,
      { timeoutMs: 5_000, what: 'the created webhook' },
    );
    expect(calls).toEqual([
      `audio ${owner.uid} ${handle.id} 1600@16000`,
      `transcript ${owner.uid} ${handle.id} g1`,
      `ended ${owner.uid} ${handle.id}`,
      `created ${owner.uid} ${handle.id} completed`,
    ]);
  });

  it('answers bad queries and bad credentials in OpenAI’s error shape', async () => {
    const cases: [string, number, string | null][] = [
      ['/v1/conversations?limit=0', 400, 'limit'],
      ['/v1/conversations?limit=101', 400, 'limit'],
      ['/v1/conversations?from=yesterday', 400, 'from'],
      ['/v1/conversations?from=2026-12-05T10:00:00Z&to=2026-12-05T09:00:00Z', 400, 'from'],
      [`/v1/conversations?after=${Buffer.from('not a cursor').toString('base64url')}`, 400, 'after'],
      ['/v1/conversations?uid=a&uid=b', 400, 'uid'],
      [`/v1/conversations/${'x'.repeat(129)}`, 400, 'id'],
    ];
    for (const [url, status, param] of cases) {
      const response = await get(url);
      expect({ url, status: response.status }).toEqual({ url, status });
      const body = (await response.json()) as { error: { param: string | null; type: string; message: string } };
      expect({ url, param: body.error.param, type: body.error.type }).toEqual({ url, param, type: 'invalid_request_error' });
    }
    const anonymous = await fetch(`${gateway.url}/v1/conversations`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
  });
});
