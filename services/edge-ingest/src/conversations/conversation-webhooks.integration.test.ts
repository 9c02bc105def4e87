import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { edgeConversationsConfigSchema } from '@switchyard/shared';
import { waitFor } from '../../../../test/support/wait-for';
import type { StoredConversation, StreamOwner, TranscriptSegment } from '../contracts';
import { ConversationWebhooks, type WebhookClock, type WebhookKind } from './conversation-webhooks';
import { isPublicAddress } from './webhook-address-policy';

/**
 * The developer webhooks against a real loopback server: Omi's shapes and
 * query parameters, retries on what may pass and not on what will not,
 * the bound on pending deliveries, and the refusal of non-public addresses
 * (loopback is allowed only where the test says so).
 */

interface Received {
  path: string;
  query: URLSearchParams;
  contentType: string | undefined;
  body: Buffer;
}

const OWNER: StreamOwner = { workspace: 'team-a', uid: 'user-7', keyId: 'key_a', credential: 'sk-sy-never-sent-0123456789' };

const SEGMENT: TranscriptSegment = {
  id: 'seg-1',
  text: 'Hello there.',
  speaker: 'SPEAKER_00',
  speaker_id: 0,
  is_user: false,
  person_id: null,
  start: 0.2,
  end: 1.1,
  translations: [],
  speech_profile_processed: false,
  stt_provider: 'test',
};

/** Back-offs recorded, not waited. */
class InstantClock implements WebhookClock {
  readonly delays: number[] = [];
  random = () => 0.5;
  async sleep(ms: number): Promise<void> {
    this.delays.push(ms);
  }
}

interface Outcome {
  kind: WebhookKind;
  result: 'delivered' | 'failed' | 'dropped';
  attempts?: number;
  reason?: string;
}

describe('conversation webhooks', () => {
  let server: Server;
  let base: string;
  let received: Received[];
  /** Answers per request, in order; 200 when empty. */
  let answers: ((response: ServerResponse) => void)[];
  let webhooks: ConversationWebhooks | undefined;
  let outcomes: Outcome[];
  let logLines: string[];

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const url = new URL(request.url ?? '/', 'http://localhost');
        received.push({ path: url.pathname, query: url.searchParams, contentType: request.headers['content-type'], body: Buffer.concat(chunks) });
        const answer = answers.shift();
        if (answer) answer(response);
        else response.writeHead(200, { 'content-type': 'application/json' }).end('{"message":"ok"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    received = [];
    answers = [];
    outcomes = [];
    logLines = [];
  });

  afterEach(async () => {
    await webhooks?.close(1_000);
    webhooks = undefined;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function start(section: unknown, clock = new InstantClock(), environment: NodeJS.ProcessEnv = {}): ConversationWebhooks {
    const config = edgeConversationsConfigSchema.parse(section);
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          logLines.push(chunk.toString());
          done();
        },
      }),
    );
    webhooks = new ConversationWebhooks(config, {
      logger,
      clock,
      environment,
      observer: {
        delivered: (kind, _workspace, attempts) => outcomes.push({ kind, result: 'delivered', attempts }),
        failed: (kind, _workspace, attempts, reason) => outcomes.push({ kind, result: 'failed', attempts, reason }),
        dropped: (kind) => outcomes.push({ kind, result: 'dropped' }),
      },
    });
    return webhooks;
  }

  const settled = (count: number) => waitFor(() => outcomes.length, (length) => length >= count, { timeoutMs: 10_000, what: `${count} webhook outcomes` });

  it("sends the transcript, the audio bytes and the created conversation in Omi's shapes", async () => {
    const hooks = start({
      webhooks: {
        'team-a': {
          transcript: `${base}/transcript?token=abc`,
          audioBytes: { url: `${base}/audio`, intervalSeconds: 1 },
          conversationCreated: '${CONVERSATION_WEBHOOK}',
        },
      },
      delivery: { allowPrivateAddresses: true },
    }, new InstantClock(), { CONVERSATION_WEBHOOK: `${base}/created` });

    hooks.transcript(OWNER, 'conv_1', [SEGMENT]);
    // 1.5 s of 16 kHz audio: one second is sent at once, the rest when the stream ends.
    const samples = Int16Array.from({ length: 24_000 }, (_, index) => ((index * 37) % 65_536) - 32_768);
    hooks.audio(OWNER, 'conv_1', samples.subarray(0, 8_000), 16_000);
    hooks.audio(OWNER, 'conv_1', samples.subarray(8_000, 16_000), 16_000);
    hooks.audio(OWNER, 'conv_1', samples.subarray(16_000), 16_000);
    hooks.streamEnded(OWNER, 'conv_1');
    const conversation = { id: 'conv_1', workspace: 'team-a', uid: OWNER.uid, status: 'completed' } as StoredConversation;
    hooks.conversationCreated(OWNER, conversation);
    // A workspace without webhooks sends nothing.
    hooks.transcript({ ...OWNER, workspace: 'team-b' }, 'conv_2', [SEGMENT]);
    await settled(4);

    expect(outcomes.every((outcome) => outcome.result === 'delivered')).toBe(true);
    const transcript = received.find((item) => item.path === '/transcript')!;
    expect(Object.fromEntries(transcript.query)).toEqual({ token: 'abc', uid: OWNER.uid });
    expect(transcript.contentType).toBe('application/json');
    expect(JSON.parse(transcript.body.toString())).toEqual({ session_id: OWNER.uid, segments: [SEGMENT] });

    const audio = received.filter((item) => item.path === '/audio');
    expect(audio.map((item) => Object.fromEntries(item.query))).toEqual([
      { sample_rate: '16000', uid: OWNER.uid },
      { sample_rate: '16000', uid: OWNER.uid },
    ]);
    expect(audio.every((item) => item.contentType === 'application/octet-stream')).toBe(true);
    const sent = Buffer.concat(audio.map((item) => item.body));
    expect(audio.map((item) => item.body.length).sort()).toEqual([16_000, 32_000]);
    // Arrival order may differ; the bytes of each part are the audio's little-endian PCM.
    const expected = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
    const [first, second] = audio[0].body.length === 32_000 ? [audio[0], audio[1]] : [audio[1], audio[0]];
    expect(Buffer.concat([first.body, second.body]).equals(expected)).toBe(true);
    expect(sent.length).toBe(48_000);

    const created = received.find((item) => item.path === '/created')!;
    expect(Object.fromEntries(created.query)).toEqual({ uid: OWNER.uid });
    expect(JSON.parse(created.body.toString())).toEqual(conversation);
    // The credential of the stream is never sent anywhere, nor a URL logged.
    expect(received.some((item) => item.body.toString().includes(OWNER.credential!))).toBe(false);
    expect(logLines.join('')).not.toContain(base);
  });

  it('retries 503s and 429s with back-off (at least Retry-After), and gives up at once on a 400', async () => {
    const clock = new InstantClock();
    const hooks = start({ webhooks: { 'team-a': { transcript: `${base}/t` } }, delivery: { allowPrivateAddresses: true, maxAttempts: 4 } }, clock);
    answers.push(
      (response) => response.writeHead(503).end(),
      (response) => response.writeHead(429, { 'retry-after': '7' }).end(),
    );
    hooks.transcript(OWNER, 'conv_1', [SEGMENT]);
    await settled(1);
    expect(outcomes).toEqual([{ kind: 'transcript', result: 'delivered', attempts: 3 }]);
    // Full jitter of 1 s then 2 s (random 0.5), the second raised to Retry-After's 7 s.
    expect(clock.delays).toEqual([500, 7_000]);

    answers.push((response) => response.writeHead(400).end('{"error":"bad"}'));
    hooks.transcript(OWNER, 'conv_1', [SEGMENT]);
    await settled(2);
    expect(outcomes[1]).toEqual({ kind: 'transcript', result: 'failed', attempts: 1, reason: 'status 400' });
    expect(received).toHaveLength(4);
    expect(logLines.join('')).toContain('webhook-failed');
    expect(logLines.join('')).not.toContain(base);
  });

  it('refuses loopback, private and metadata addresses unless allowed, without sending a byte', async () => {
    const hooks = start({
      webhooks: {
        'team-a': { transcript: `${base}/t`, conversationCreated: `http://localhost:${new URL(base).port}/c` },
        'team-b': { transcript: 'http://169.254.169.254/latest/meta-data' },
      },
    });
    hooks.transcript(OWNER, 'conv_1', [SEGMENT]);
    hooks.conversationCreated(OWNER, { id: 'conv_1' } as StoredConversation);
    hooks.transcript({ ...OWNER, workspace: 'team-b' }, 'conv_2', [SEGMENT]);
    await settled(3);
    expect(outcomes.map(({ result, attempts, reason }) => ({ result, attempts, reason }))).toEqual([
      { result: 'failed', attempts: 1, reason: 'EADDRNOTPUBLIC' },
      { result: 'failed', attempts: 1, reason: 'EADDRNOTPUBLIC' },
      { result: 'failed', attempts: 1, reason: 'EADDRNOTPUBLIC' },
    ]);
    expect(received).toEqual([]);
    expect(['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '::1', 'fd00::1', '::ffff:127.0.0.1', '100.64.0.1'].filter(isPublicAddress)).toEqual([]);
    expect(['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'].every(isPublicAddress)).toBe(true);
  });

  it('holds at most maxPending deliveries and counts the ones it drops', async () => {
    const hooks = start({ webhooks: { 'team-a': { transcript: `${base}/t` } }, delivery: { allowPrivateAddresses: true, maxPending: 2 } });
    const held: ServerResponse[] = [];
    answers.push(
      (response) => held.push(response),
      (response) => held.push(response),
    );
    hooks.transcript(OWNER, 'conv_1', [SEGMENT]);
    hooks.transcript(OWNER, 'conv_1', [SEGMENT]);
    hooks.transcript(OWNER, 'conv_1', [SEGMENT]);
    expect(outcomes).toEqual([{ kind: 'transcript', result: 'dropped' }]);
    expect(hooks.pendingCount).toBe(2);
    await waitFor(() => held.length, (count) => count === 2, { timeoutMs: 10_000, what: 'both held requests' });
    for (const response of held) response.writeHead(200).end();
    await settled(3);
    expect(hooks.pendingCount).toBe(0);
    expect(logLines.join('')).toContain('webhook-dropped');
  });

  it('takes only http(s) URLs without a password, or references to the environment', () => {
    const issues = (url: string) => edgeConversationsConfigSchema.safeParse({ webhooks: { 'team-a': { transcript: url } } }).error?.issues[0]?.path;
    expect(issues('https://hooks.example.com/omi')).toBeUndefined();
    expect(issues('${OMI_WEBHOOK}')).toBeUndefined();
    expect(issues('https://user:secret@hooks.example.com/omi')).toEqual(['webhooks', 'team-a', 'transcript']);
    expect(issues('ftp://hooks.example.com/omi')).toEqual(['webhooks', 'team-a', 'transcript']);
    expect(() => start({ webhooks: { 'team-a': { transcript: '${MISSING_WEBHOOK}' } } })).toThrow(
      'edge.conversations.webhooks.team-a.transcript: the environment variable MISSING_WEBHOOK is not set.',
    );
  });
});
