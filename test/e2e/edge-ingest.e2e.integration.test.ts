/**
 * @jest-environment ./services/edge-ingest/src/__fixtures__/native-typed-arrays-environment.js
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CONVERSATION_SUMMARY_SCHEMA, OmiRelay, speakWithFlite, transcriptText, wordErrors, type StoredConversation } from '@switchyard/edge-ingest';
import { configSchema, createLogger } from '@switchyard/shared';
import { startEmbedded, type EmbeddedGateway } from '../../packages/cli/src/modes/embedded';
import { SPEECH_SCRIPT } from '../../services/edge-ingest/src/__fixtures__/speech-script';
import { keyPrincipal, InMemoryVerifier } from '../../services/gateway/src/auth/__fixtures__/in-memory-verifiers';
import { DEFAULT_FIXTURES, openAIFixture, startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { waitFor } from '../support/wait-for';

/**
 * The edge-ingest done-when, in one process as `switchyard start` runs it:
 * flite `slt` speech encoded as the Dev Kit 2's Opus packets, streamed over
 * `/v4/listen` by the reference relay with Bluetooth loss, duplicates,
 * reordering and one reconnect, through the real pipeline (Silero VAD and
 * the offline Whisper engine), into segments whose word error rate is within
 * the README's bound; then, after `conversation_timeout` of silence, a
 * summary through the gateway's own chat route (a loopback upstream answering
 * in OpenAI's recorded format) that matches the JSON schema, stored and
 * returned by `/v1/conversations`.
 */

jest.setTimeout(300_000);

/** The bound the README states for this path (offline engine, with the faults below). */
const E2E_WER_BOUND = 0.15;
const KEY = 'sk-sy-edge-e2e-0123456789abcdef';
const MODEL = 'gpt-4.1-nano-2025-04-14';
const SUMMARY = {
  title: 'Weekly planning',
  overview: 'The team plans the dashboard release, the budget report and a customer workshop.',
  emoji: '🗓️',
  category: 'work',
  action_items: [{ description: 'Send the budget report to finance', completed: false, due_at: null }],
  events: [{ title: 'Customer workshop', description: 'Workshop with the customer', start: '2026-12-08T14:00:00Z', duration: 120 }],
  memories: [{ content: 'The user attends the weekly planning meeting.', category: 'system' }],
};

type JsonSchema = {
  type?: string | readonly string[];
  enum?: readonly unknown[];
  required?: readonly string[];
  additionalProperties?: boolean;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
};

/** The JSON-schema keywords the summary schema uses (type, enum, required, properties, additionalProperties, items): the problems found, by path. */
function schemaProblems(schema: JsonSchema, value: unknown, at = '$'): string[] {
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  const types = schema.type === undefined ? [] : typeof schema.type === 'string' ? [schema.type] : [...schema.type];
  if (types.length > 0 && !types.includes(kind) && !(kind === 'integer' && types.includes('number')))
    return [`${at}: ${kind}, expected ${types.join(' or ')}`];
  if (schema.enum && !schema.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} is not one of the enum`];
  const problems: string[] = [];
  if (kind === 'object') {
    const record = value as Record<string, unknown>;
    for (const name of schema.required ?? []) if (!(name in record)) problems.push(`${at}.${name}: missing`);
    for (const [name, item] of Object.entries(record)) {
      const property = schema.properties?.[name];
      if (property) problems.push(...schemaProblems(property, item, `${at}.${name}`));
      else if (schema.additionalProperties === false) problems.push(`${at}.${name}: not allowed`);
    }
  }
  if (kind === 'array' && schema.items)
    (value as unknown[]).forEach((item, index) => problems.push(...schemaProblems(schema.items as JsonSchema, item, `${at}[${index}]`)));
  return problems;
}

/** `seconds` of silence at 16 kHz. */
function silence(seconds: number): Int16Array {
  return new Int16Array(Math.round(seconds * 16_000));
}

function join(parts: Int16Array[]): Int16Array {
  const joined = new Int16Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

describe('edge ingest end to end: Omi relay → /v4/listen → segments → summarised conversation', () => {
  let upstream: MockOpenAIUpstream | undefined;
  let gateway: EmbeddedGateway | undefined;
  let relay: OmiRelay | undefined;
  let directory: string | undefined;

  afterAll(async () => {
    await relay?.close();
    await gateway?.close(100);
    await upstream?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('transcribes faulty, reconnecting Opus speech within the WER bound and stores a schema-valid summary', async () => {
    directory = mkdtempSync(path.join(tmpdir(), 'switchyard-edge-e2e-'));
    upstream = await startMockOpenAIUpstream();
    const recorded = JSON.parse(readFileSync(openAIFixture(DEFAULT_FIXTURES.chat), 'utf8'));
    recorded.choices[0].message.content = JSON.stringify(SUMMARY);
    writeFileSync(path.join(directory, 'summary.json'), JSON.stringify(recorded));
    upstream.enqueue({ kind: 'json-fixture', file: path.join(directory, 'summary.json') });

    const config = configSchema.parse({
      server: { host: '127.0.0.1', port: 0 },
      providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'] } },
      events: { lingerMs: 5 },
      observability: { dataDirectory: 'memory://' },
      edge: {
        // The offline engine (Whisper base from the tools dir); fewer partial re-transcriptions keep two shared cores ahead.
        speech: { engine: 'offline', partialIntervalMs: 2_000 },
        conversations: { minTimeoutSeconds: 2, checkIntervalMs: 250, summary: { model: MODEL } },
      },
    });
    const verifier = new InMemoryVerifier().add(KEY, keyPrincipal('edge-team'));
    gateway = await startEmbedded(config, createLogger('edge-e2e', process.env.LOG_LEVEL ?? 'silent'), {
      adminToken: 'admin-token-for-edge-e2e-0123456789',
      keyVerifier: verifier,
      tokenVerifier: verifier,
    });

    const sentences = SPEECH_SCRIPT.map((sentence) => speakWithFlite(sentence));
    expect(sentences.every((speech) => speech.sampleRate === 16_000)).toBe(true);
    const audio = join([silence(0.5), ...sentences.flatMap((speech) => [speech.samples, silence(0.8)]), silence(1.5)]);
    const frames = Math.ceil(audio.length / 160);

    relay = new OmiRelay({
      url: gateway.url.replace(/^http/, 'ws'),
      credential: KEY,
      // Long enough to outlast the reconnect and the engine's lag behind real time (the first segment can take
      // several seconds on two busy cores, and silence is measured from the last segment).
      conversationTimeout: 20,
      pace: 1,
      // The first stream loads the models: the phone holds its audio until the server is ready, as the app does.
      awaitReady: true,
      faults: { loss: 0.01, duplicates: 0.02, reordering: 0.01 },
      seed: 18,
      // Mid-stream, between two sentences or inside one: the app reconnects and resumes the conversation.
      reconnectAfterFrames: [Math.round(frames * 0.45)],
      backoffBaseMs: 200,
    });
    const streamed = await relay.stream(audio);
    expect(streamed.failure).toBeUndefined();
    expect(streamed.faults.lost).toBeGreaterThan(0);
    expect(streamed.faults.duplicated).toBeGreaterThan(0);
    expect(streamed.faults.reordered).toBeGreaterThan(0);
    expect(streamed.assembly.duplicates).toBeGreaterThan(0);
    expect(streamed.assembly.gaps).toBeGreaterThan(0);
    expect(streamed.connections).toBe(2);
    expect(streamed.closes).toEqual([{ code: 1000, reason: 'network change', forced: true }]);

    // The conversation ends after its timeout of silence; the socket, still open, hears it summarised.
    const done = await relay.waitFor((report) => report.events.some((event) => event.type === 'memory_created'), 240_000);
    const sessions = done.events.filter((event) => event.type === 'conversation_session') as unknown as {
      conversation_id: string;
      resumed: boolean;
    }[];
    expect(sessions).toHaveLength(2);
    expect(sessions[1]).toEqual({ type: 'conversation_session', conversation_id: sessions[0].conversation_id, resumed: true });
    expect(done.events.map((event) => event.type)).toContain('memory_processing_started');

    // The summary went through the gateway's chat route with the JSON schema, and what came back matches it.
    const summaryRequest = upstream.requests.find((request) => request.path.endsWith('/chat/completions'));
    expect(summaryRequest?.body).toMatchObject({ model: MODEL, response_format: { type: 'json_schema', json_schema: { strict: true } } });
    expect(JSON.stringify(summaryRequest?.body.messages)).toContain('budget report');

    const authorization = { authorization: `Bearer ${KEY}` };
    const conversationId = sessions[0].conversation_id;
    const listed = await waitFor(
      async () =>
        (await (await fetch(`${gateway!.url}/v1/conversations`, { headers: authorization })).json()) as {
          object: string;
          data: StoredConversation[];
        },
      (page) => page.data.some((conversation) => conversation.id === conversationId && conversation.status === 'completed'),
      { timeoutMs: 30_000, what: 'the completed conversation listed' },
    );
    expect(listed.object).toBe('list');
    expect(listed.data).toHaveLength(1);
    const response = await fetch(`${gateway.url}/v1/conversations/${conversationId}`, { headers: authorization });
    expect(response.status).toBe(200);
    const stored = (await response.json()) as StoredConversation;
    const { memories: _memories, ...structured } = SUMMARY;
    expect(stored).toMatchObject({ id: conversationId, workspace: 'edge-team', status: 'completed', source: 'omi', language: 'en', structured });
    const answer = { ...stored.structured, memories: stored.memories.map(({ content, category }) => ({ content, category })) };
    expect(schemaProblems(CONVERSATION_SUMMARY_SCHEMA, answer)).toEqual([]);
    // The check itself finds what is wrong.
    expect(schemaProblems(CONVERSATION_SUMMARY_SCHEMA, { ...answer, category: 'gossip', extra: 1 })).toEqual([
      '$.category: "gossip" is not one of the enum',
      '$.extra: not allowed',
    ]);
    expect(stored.memories.map((memory) => memory.content)).toEqual([SUMMARY.memories[0].content]);

    // The transcript: what the sockets showed, and what the first stream's pipeline finished after its socket
    // dropped (given to the conversation, as a phone reads it back), in conversation time.
    const reference = SPEECH_SCRIPT.join(' ');
    const segments = [...stored.transcript_segments].sort((a, b) => a.start - b.start);
    const errors = wordErrors(reference, segments.map((segment) => segment.text.trim()).join(' '));
    const live = wordErrors(reference, transcriptText(done));
    process.stdout.write(
      `edge e2e WER ${(errors.rate * 100).toFixed(1)} % stored ${JSON.stringify(errors)}, ${(live.rate * 100).toFixed(1)} % live on the sockets\n`,
    );
    expect(errors.rate).toBeLessThanOrEqual(E2E_WER_BOUND);
    // Every segment a socket showed is in the conversation (grown further if it was still growing when the socket dropped).
    const storedIds = new Set(segments.map((segment) => segment.id));
    expect(done.segments.length).toBeGreaterThan(0);
    expect(done.segments.filter((segment) => !storedIds.has(segment.id))).toEqual([]);
    // Without the key, no conversations.
    expect((await fetch(`${gateway.url}/v1/conversations/${conversationId}`)).status).toBe(401);
  });
});
