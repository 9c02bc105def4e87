/**
 * Random-mutation fuzzing of the gateway's model routes (chat, streamed and not, tools, embeddings) in both
 * modes: every answer is a success or an error in OpenAI's shape, no 5xx except an honest upstream 502/504,
 * no request left hanging, and the gateway still serves and records normal requests afterwards.
 *
 * SWITCHYARD_FUZZ_SEED replays a run; SWITCHYARD_FUZZ_REQUESTS changes its size.
 */
import { Agent, request as httpRequest } from 'node:http';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { startSwitchyard, type Mode, type RunningSwitchyard } from '../e2e/switchyard-harness';
import { waitFor } from '../support/wait-for';
import { seededRandom } from '../support/seeded-random';
import { fuzzRequest } from './request-mutator';

const SEED = Number(process.env.SWITCHYARD_FUZZ_SEED ?? 20261204);
const REQUESTS: Record<Mode, number> = {
  embedded: Number(process.env.SWITCHYARD_FUZZ_REQUESTS ?? 3_000),
  distributed: Math.ceil(Number(process.env.SWITCHYARD_FUZZ_REQUESTS ?? 3_000) / 3),
};
const CONCURRENCY = 8;
/**
 * A request still unanswered after this long counts as a hang. Generous on purpose: the suite also runs with
 * both cores loaded (scripts/stress-test.sh), where a large valid request can take seconds; what this catches
 * is an answer that never comes. The slowest answer of the run is printed (on an idle machine, well under 10 s).
 */
const HANG_MS = 120_000;

jest.setTimeout(600_000);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(baseUrl: URL, agent: Agent, fuzz: { path: string; headers: Record<string, string>; body: Buffer }, method = 'POST'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: baseUrl.hostname,
        port: baseUrl.port,
        path: fuzz.path,
        method,
        agent,
        headers: { ...fuzz.headers, 'content-length': fuzz.body.length },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    outgoing.setTimeout(HANG_MS, () => outgoing.destroy(new Error(`no complete answer within ${HANG_MS} ms`)));
    outgoing.on('error', reject);
    outgoing.end(fuzz.body);
  });
}

/** What is wrong with an answer, or undefined when it is acceptable. */
function problemWith(answer: Answer): string | undefined {
  const contentType = String(answer.headers['content-type'] ?? '');
  if (answer.status >= 500 && !(answer.status === 502 || answer.status === 504)) return `status ${answer.status}: ${answer.body.slice(0, 200)}`;
  // Every request carries the run's key, and no mutation touches it.
  if (answer.status === 401) return `the key was refused: ${answer.body.slice(0, 200)}`;
  if (answer.status >= 400) {
    let parsed: any;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      return `status ${answer.status} with a body that is not JSON: ${JSON.stringify(answer.body.slice(0, 200))}`;
    }
    const error = parsed?.error;
    const shaped =
      error && typeof error.message === 'string' && error.message !== '' && typeof error.type === 'string' && 'param' in error && 'code' in error;
    if (!shaped) return `status ${answer.status} without OpenAI's error shape: ${answer.body.slice(0, 200)}`;
    if (answer.status >= 500 && !String(error.code).startsWith('upstream_'))
      return `status ${answer.status} not from the upstream: ${answer.body.slice(0, 200)}`;
    return undefined;
  }
  if (answer.status !== 200) return `unexpected status ${answer.status}`;
  if (contentType.startsWith('text/event-stream')) {
    const events = answer.body.split('\n\n').filter((event) => event.trim() !== '');
    const last = events.at(-1) ?? '';
    if (last !== 'data: [DONE]' && !last.startsWith('data: {"error"'))
      return `a stream that ended without [DONE] or an error event: ${JSON.stringify(last.slice(0, 200))}`;
    return undefined;
  }
  try {
    JSON.parse(answer.body);
  } catch {
    return `a 200 whose body is not JSON: ${JSON.stringify(answer.body.slice(0, 200))}`;
  }
  return undefined;
}

describe.each<Mode>(['embedded', 'distributed'])('fuzzing the model routes (%s)', (mode) => {
  let upstream: MockOpenAIUpstream;
  let switchyard: RunningSwitchyard;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    switchyard = await startSwitchyard(mode, {
      providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'], timeoutMs: 5_000 } },
    });
  });

  afterAll(async () => {
    agent.destroy();
    await switchyard?.close();
    await upstream?.close();
  });

  it(`answers ${REQUESTS[mode]} mutated requests in OpenAI's shape, with no 5xx of its own and no hang`, async () => {
    const baseUrl = new URL(switchyard.baseURL);
    const random = seededRandom(SEED + (mode === 'embedded' ? 0 : 1));
    const count = REQUESTS[mode];
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    let slowest = 0;
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const index = next++;
        // Made when sent, not all up front: a run holds only the requests in flight (some are megabytes).
        const fuzz = fuzzRequest(random);
        const started = performance.now();
        try {
          const answer = await send(baseUrl, agent, { ...fuzz, headers: switchyard.headers(fuzz.headers) });
          slowest = Math.max(slowest, performance.now() - started);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          const problem = problemWith(answer);
          if (problem) failures.push(`#${index} (${fuzz.mutations.join('; ')}): ${problem}`);
        } catch (error) {
          failures.push(`#${index} (${fuzz.mutations.join('; ')}): ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.log(
      `fuzz ${mode}, seed ${SEED}: ${count} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}, slowest answer ${Math.round(slowest)} ms`,
    );
    expect(failures.slice(0, 20)).toEqual([]);

    // Still healthy: a normal request is served and recorded.
    const health = await send(baseUrl, agent, { path: '/healthz', headers: {}, body: Buffer.alloc(0) }, 'GET');
    expect(health.status).toBe(200);
    const normal = await send(baseUrl, agent, {
      path: '/v1/chat/completions',
      headers: switchyard.headers({ 'content-type': 'application/json', 'x-request-id': `fuzz-after-${mode}` }),
      body: Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] })),
    });
    expect(normal.status).toBe(200);
    const record = await waitFor(
      () => send(baseUrl, agent, { path: `/v1/requests/fuzz-after-${mode}`, headers: switchyard.headers(), body: Buffer.alloc(0) }, 'GET'),
      (answer) => answer.status === 200,
      { timeoutMs: 15_000, what: 'the record of the request sent after the fuzzing' },
    );
    expect(JSON.parse(record.body)).toMatchObject({ id: `fuzz-after-${mode}`, status: 'succeeded' });
  });
});
