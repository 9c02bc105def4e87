import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openAIFixture } from '../support/mock-openai-upstream';
import { runEvalCommand } from '../../packages/cli/src/commands/eval-command';
import { waitFor } from '../support/wait-for';
import { startSwitchyard, type Mode, type RunningSwitchyard } from './switchyard-harness';

jest.setTimeout(180_000);

/**
 * The evaluation framework's done-when, end to end in one process and
 * distributed (records through Kafka into Postgres): a
 * 50-item dataset imported as JSONL, run through the gateway itself against
 * a loopback upstream speaking OpenAI's exact chat and embeddings formats,
 * scored by one evaluator of every kind, each score attached to its item's
 * recorded request. The upstream answers 40 items right and 10 wrong, so
 * every evaluator's mean is known in advance.
 */

const ITEMS = 50;
const isWrong = (index: number) => index % 5 === 0;
const correctAnswer = (index: number) => `{"answer":"A${index}"}`;
const wrongAnswer = (index: number) => `I do not know item ${index}`;

/** A chat completion exactly as OpenAI sends it (a recorded body), with the content replaced. */
const RECORDED_COMPLETION = JSON.parse(readFileSync(openAIFixture('vercel-ai/packages/openai/src/chat/__fixtures__/openai-text.json'), 'utf8'));
function completion(model: string, content: string) {
  return {
    ...RECORDED_COMPLETION,
    id: `chatcmpl-${randomBytes(12).toString('hex')}`,
    model,
    choices: [{ ...RECORDED_COMPLETION.choices[0], message: { ...RECORDED_COMPLETION.choices[0].message, content } }],
  };
}

/** Vectors chosen so the cosine of a wrong answer with its expected output is exactly 0.6, and of a right one 1. */
function embeddingOf(text: string): number[] {
  return text.startsWith('{') ? [1, 0, 0] : [0.6, 0.8, 0];
}

interface Upstream {
  baseUrl: string;
  chatRequests: any[];
  close(): Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  const chatRequests: any[] = [];
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const send = (status: number, value: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(value));
    };
    if (request.url === '/v1/embeddings') {
      const inputs: string[] = Array.isArray(body.input) ? body.input : [body.input];
      return send(200, {
        object: 'list',
        data: inputs.map((input, index) => ({ object: 'embedding', index, embedding: embeddingOf(input) })),
        model: body.model,
        usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
      });
    }
    if (request.url !== '/v1/chat/completions')
      return send(404, { error: { message: 'Unknown URL', type: 'invalid_request_error', param: null, code: null } });
    chatRequests.push(body);
    const system = body.messages.find((message: any) => message.role === 'system')?.content ?? '';
    const user: string = body.messages.find((message: any) => message.role === 'user')?.content ?? '';
    if (system.startsWith('You grade')) {
      // The judge: full marks for an answer in the asked-for JSON, a quarter otherwise.
      const graded = user.slice(user.indexOf('Answer to grade:'));
      const score = graded.includes('"answer"') ? 1 : 0.25;
      return send(200, completion(body.model, JSON.stringify({ score, reason: score === 1 ? 'Right form.' : 'No answer given.' })));
    }
    const index = Number(/item (\d+)/.exec(user)?.[1]);
    return send(200, completion(body.model, isWrong(index) ? wrongAnswer(index) : correctAnswer(index)));
  };
  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    chatRequests,
    close: () => closeServer(server),
  };
}

/** A custom evaluator: scores 1 for an output that parses as JSON, 0.5 otherwise; keeps what it was sent. */
async function startScoringWebhook(): Promise<{ url: string; received: any[]; close(): Promise<void> }> {
  const received: any[] = [];
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    received.push(body);
    let score = 1;
    try {
      JSON.parse(body.output);
    } catch {
      score = 0.5;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ score, reason: score === 1 ? 'JSON' : 'not JSON' }));
  };
  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/score`, received, close: () => closeServer(server) };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe.each<Mode>(['embedded', 'distributed'])('evaluation runs through the gateway (%s mode)', (mode) => {
  const workspace = `evals-${randomBytes(4).toString('hex')}`;
  let upstream: Upstream;
  let webhook: Awaited<ReturnType<typeof startScoringWebhook>>;
  let switchyard: RunningSwitchyard;

  beforeAll(async () => {
    upstream = await startUpstream();
    webhook = await startScoringWebhook();
    switchyard = await startSwitchyard(mode, {
      providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small'] } },
      // The scoring webhook listens on loopback, which webhooks may reach only when allowed.
      evaluations: { webhooks: { allowPrivateAddresses: true } },
    });
    const created = await admin('POST', '/workspaces', { id: workspace, organization: 'default' });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    await switchyard?.close();
    await webhook?.close();
    await upstream?.close();
  });

  async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${switchyard.origin}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${switchyard.adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  }

  const EVALUATORS = [
    { name: 'exact', kind: 'exact' },
    { name: 'regex', kind: 'regex', pattern: '^\\{"answer":"A\\d+"\\}$' },
    { name: 'contains', kind: 'contains', value: 'ANSWER', ignore_case: true },
    {
      name: 'schema',
      kind: 'json_schema',
      schema: { type: 'object', required: ['answer'], properties: { answer: { type: 'string', pattern: '^A\\d+$' } }, additionalProperties: false },
    },
    { name: 'similarity', kind: 'embedding_similarity', model: 'text-embedding-3-small' },
    { name: 'judge', kind: 'llm_judge', model: 'gpt-4o', rubric: 'Full marks for an answer in the form {"answer": "A<n>"}.' },
  ];

  it('scores a 50-item dataset with every evaluator kind and attaches the scores to the requests', async () => {
    const jsonl = Array.from({ length: ITEMS }, (_, index) =>
      JSON.stringify({ input: `What is item ${index}?`, expected_output: correctAnswer(index), metadata: { index } }),
    ).join('\n');
    const dataset = await admin('POST', `/workspaces/${workspace}/datasets`, { name: 'items', jsonl });
    expect(dataset.status).toBe(201);
    expect(dataset.body).toMatchObject({ object: 'dataset', name: 'items', item_count: ITEMS });

    const started = await admin('POST', `/workspaces/${workspace}/evaluations`, {
      dataset: 'items',
      model: 'gpt-4o-mini',
      evaluators: [...EVALUATORS, { name: 'custom', kind: 'webhook', url: webhook.url }],
      concurrency: 4,
    });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ object: 'evaluation_run', status: 'running', progress: { total: ITEMS } });
    const runId: string = started.body.id;

    const finished = await waitFor(
      () => admin('GET', `/workspaces/${workspace}/evaluations/${runId}?include=results`),
      ({ body }) => body.status !== 'running',
      { timeoutMs: 120_000, what: 'the run to finish', intervalMs: 200 },
    );
    expect(finished.body).toMatchObject({
      status: 'completed',
      failure_reason: null,
      progress: { total: ITEMS, done: ITEMS, failed: 0, fraction: 1 },
    });
    const scored = (count: number, mean: number, min: number, max: number) => ({ count, mean, min, max, errors: 0 });
    expect(finished.body.scores).toEqual({
      exact: scored(50, 0.8, 0, 1),
      regex: scored(50, 0.8, 0, 1),
      contains: scored(50, 0.8, 0, 1),
      schema: scored(50, 0.8, 0, 1),
      // 40 items at 1, 10 at cos = 0.6.
      similarity: scored(50, 0.92, 0.6, 1),
      // 40 at 1, 10 at 0.25.
      judge: scored(50, 0.85, 0.25, 1),
      // 40 at 1, 10 at 0.5.
      custom: scored(50, 0.9, 0.5, 1),
    });
    const wrongResult = finished.body.results.find((result: any) => result.output === wrongAnswer(5));
    expect(wrongResult.scores.schema).toEqual({ score: 0, reason: 'The output is not JSON.' });
    expect(wrongResult.scores.judge).toEqual({ score: 0.25, reason: 'No answer given.' });

    // Every item went through the gateway once, plus one judge call each; the webhook saw every item.
    expect(upstream.chatRequests.filter((body) => body.model === 'gpt-4o-mini')).toHaveLength(ITEMS);
    expect(upstream.chatRequests.filter((body) => body.model === 'gpt-4o')).toHaveLength(ITEMS);
    expect(webhook.received).toHaveLength(ITEMS);
    expect(webhook.received[0]).toMatchObject({ run_id: runId, item: { input: expect.stringMatching(/^What is item \d+\?$/) } });

    // The scores are feedback on the run's recorded requests, in the run's workspace.
    const resultWithRequest = finished.body.results[0];
    expect(resultWithRequest.request_id).toMatch(new RegExp(`^${runId}\\.`));
    const viewer = await admin('POST', '/keys', { workspace, name: 'reader', role: 'viewer' });
    const analytics = await waitFor(
      async () => {
        const response = await fetch(`${switchyard.baseURL}/analytics?group_by=session&session_id=${runId}`, {
          headers: { authorization: `Bearer ${viewer.body.key}` },
        });
        return (await response.json()) as any;
      },
      (body) => body.data?.[0]?.scores?.exact?.count === ITEMS && body.data?.[0]?.scores?.custom?.count === ITEMS,
      { timeoutMs: 60_000, what: "the run's scores in analytics", intervalMs: 250 },
    );
    // The database sums in no fixed order: the means are equal up to float rounding.
    expect(analytics.data[0].scores.exact.count).toBe(ITEMS);
    expect(analytics.data[0].scores.exact.mean).toBeCloseTo(0.8, 9);
    expect(analytics.data[0].scores.similarity.count).toBe(ITEMS);
    expect(analytics.data[0].scores.similarity.mean).toBeCloseTo(0.92, 9);

    // The run's key is revoked once the run is over.
    const keys = await admin('GET', `/keys?workspace=${workspace}`);
    const runKey = keys.body.data.find((key: any) => key.name === `evaluation ${runId}`);
    expect(runKey.status).toBe('revoked');

    // Nothing left to resume.
    const resumed = await admin('POST', `/workspaces/${workspace}/evaluations/${runId}/resume`);
    expect(resumed.status).toBe(409);
    expect(resumed.body.error.code).toBe('run_completed');
  });

  it('compares two runs per item and in aggregate', async () => {
    const start = async (model: string) => {
      const started = await admin('POST', `/workspaces/${workspace}/evaluations`, {
        dataset: 'items',
        model,
        evaluators: [EVALUATORS[0], EVALUATORS[1]],
      });
      expect(started.status).toBe(202);
      return (
        await waitFor(
          () => admin('GET', `/workspaces/${workspace}/evaluations/${started.body.id}`),
          ({ body }) => body.status !== 'running',
          { timeoutMs: 120_000, what: 'the run to finish', intervalMs: 200 },
        )
      ).body;
    };
    const a = await start('gpt-4o-mini');
    const b = await start('gpt-4o');
    const comparison = await admin('GET', `/workspaces/${workspace}/evaluations/compare?a=${a.id}&b=${b.id}`);
    expect(comparison.status).toBe(200);
    expect(comparison.body).toMatchObject({
      object: 'evaluation_comparison',
      same_dataset: true,
      evaluators: { exact: { a: { mean: 0.8 }, b: { mean: 0.8 }, delta: 0 } },
    });
    expect(comparison.body.items).toHaveLength(ITEMS);
    expect(comparison.body.items[0].scores.exact).toEqual({ a: expect.any(Number), b: expect.any(Number), delta: 0 });

    const missing = await admin('GET', `/workspaces/${workspace}/evaluations/compare?a=${a.id}&b=evalrun_nope`);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ param: 'b', code: 'not_found' });
  });

  it('evaluates a managed prompt version and promotes it to production only when the run passes', async () => {
    const version = (template: string) => ({ name: 'quiz', type: 'text', template, variables: { n: { type: 'number' } }, labels: ['staging'] });
    expect((await admin('POST', `/workspaces/${workspace}/prompts`, version('What is item {{n}}?'))).status).toBe(201);
    expect((await admin('POST', `/workspaces/${workspace}/prompts`, version('Tell me: what is item {{n}}?'))).status).toBe(201);
    expect((await admin('PUT', `/workspaces/${workspace}/prompts/quiz/labels/production`, { version: 1 })).status).toBe(200);
    const items = Array.from({ length: 10 }, (_, index) => ({ input: { n: index }, expected_output: correctAnswer(index) }));
    expect((await admin('POST', `/workspaces/${workspace}/datasets`, { name: 'quiz-items', items })).status).toBe(201);
    const started = await admin('POST', `/workspaces/${workspace}/evaluations`, {
      dataset: 'quiz-items',
      prompt: { name: 'quiz', version: 2 },
      model: 'gpt-4o-mini',
      evaluators: [{ kind: 'exact' }],
    });
    expect(started.status).toBe(202);
    const run = (
      await waitFor(
        () => admin('GET', `/workspaces/${workspace}/evaluations/${started.body.id}?include=results`),
        ({ body }) => body.status !== 'running',
        { timeoutMs: 120_000, what: 'the prompt run to finish', intervalMs: 200 },
      )
    ).body;
    // The gateway rendered version 2 for each item: items 0 and 5 are answered wrong.
    expect(run).toMatchObject({ status: 'completed', scores: { exact: { count: 10, mean: 0.8 } } });
    const rendered = upstream.chatRequests.find((body) => body.messages?.[0]?.content === 'Tell me: what is item 3?');
    expect(rendered).toBeDefined();
    const viewer = await admin('POST', '/keys', { workspace, name: 'prompt-reader', role: 'viewer' });
    const record = await waitFor(
      async () => {
        const response = await fetch(`${switchyard.baseURL}/requests/${run.results[0].request_id}`, {
          headers: { authorization: `Bearer ${viewer.body.key}` },
        });
        return { status: response.status, body: (await response.json()) as any };
      },
      ({ status }) => status === 200,
      { timeoutMs: 60_000, what: "an item's record", intervalMs: 200 },
    );
    expect(record.body.prompt).toEqual({ name: 'quiz', version: 2 });

    await admin('PUT', `/workspaces/${workspace}/prompts/quiz/promotion-policy`, { evaluators: { exact: { min_mean: 0.9 } }, dataset: 'quiz-items' });
    const refused = await admin('POST', `/workspaces/${workspace}/prompts/quiz/promote`, { version: 2, evaluation_run: run.id });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'evaluation_failed', failing_scores: [{ evaluator: 'exact', min_mean: 0.9, mean: 0.8 }] });
    expect((await admin('GET', `/workspaces/${workspace}/prompts/quiz`)).body).toMatchObject({
      labels: expect.arrayContaining([expect.objectContaining({ label: 'production', version: 1 })]),
    });

    await admin('PUT', `/workspaces/${workspace}/prompts/quiz/promotion-policy`, { evaluators: { exact: { min_mean: 0.8 } }, dataset: 'quiz-items' });
    const promoted = await admin('POST', `/workspaces/${workspace}/prompts/quiz/promote`, { version: 2, evaluation_run: run.id });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ version: 2, from: 'staging', to: 'production', previous_version: 1 });
    expect((await admin('GET', `/workspaces/${workspace}/prompts/quiz`)).body).toMatchObject({
      labels: expect.arrayContaining([expect.objectContaining({ label: 'production', version: 2 })]),
    });
  });

  it('refuses bad input with the field named, before anything runs', async () => {
    const cases: Array<[unknown, string]> = [
      [{ dataset: 'items', model: 'gpt-4o-mini', evaluators: [{ kind: 'regex', pattern: '(' }] }, 'evaluators[0].pattern'],
      [{ dataset: 'items', model: 'gpt-4o-mini', evaluators: [{ kind: 'telepathy' }] }, 'evaluators[0].kind'],
      [{ dataset: 'items', model: 'gpt-4o-mini', evaluators: [{ kind: 'json_schema', schema: { type: 'nope' } }] }, 'evaluators[0].schema'],
      [{ dataset: 'items', model: 'gpt-4o-mini', evaluators: [{ kind: 'exact' }], concurrency: 1000 }, 'concurrency'],
      [{ dataset: 'items', model: 'gpt-4o-mini', evaluators: [{ kind: 'exact' }], prompt: { name: 'greeting' } }, 'prompt.version'],
      [{ dataset: 'items', evaluators: [{ kind: 'exact' }] }, 'model'],
    ];
    for (const [body, param] of cases) {
      const answer = await admin('POST', `/workspaces/${workspace}/evaluations`, body);
      expect({ param, status: answer.status, type: answer.body.error.type }).toEqual({
        param: answer.body.error.param,
        status: 400,
        type: 'invalid_request_error',
      });
    }
    const badLine = await admin('POST', `/workspaces/${workspace}/datasets`, { name: 'broken', jsonl: '{"input":"a"}\n{oops' });
    expect(badLine.status).toBe(400);
    expect(badLine.body.error.message).toContain('Line 2');
    const unknownDataset = await admin('POST', `/workspaces/${workspace}/evaluations`, {
      dataset: 'nope',
      model: 'gpt-4o-mini',
      evaluators: [{ kind: 'exact' }],
    });
    expect(unknownDataset.status).toBe(404);
  });

  it('runs from the command line, as CI would, failing below a threshold', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'switchyard-eval-cli-'));
    try {
      const datasetFile = join(directory, 'items.csv');
      writeFileSync(
        datasetFile,
        [
          'input,expected_output',
          ...Array.from({ length: 10 }, (_, index) => `What is item ${index}?,"${correctAnswer(index).replace(/"/g, '""')}"`),
        ].join('\n'),
      );
      const evaluatorsFile = join(directory, 'evaluators.json');
      writeFileSync(evaluatorsFile, JSON.stringify([{ kind: 'exact' }]));
      const run = async (...extra: string[]) => {
        let stdout = '';
        let stderr = '';
        const code = await runEvalCommand(
          [
            'run',
            '--workspace',
            workspace,
            '--dataset',
            'cli-items',
            '--dataset-file',
            datasetFile,
            '--model',
            'gpt-4o-mini',
            '--evaluators',
            evaluatorsFile,
            '--url',
            switchyard.origin,
            ...extra,
          ],
          { env: { SWITCHYARD_ADMIN_TOKEN: switchyard.adminToken }, stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) },
          { pollIntervalMs: 100 },
        );
        return { code, stdout, stderr };
      };
      // Items 0 and 5 are answered wrong: 0.8.
      const below = await run('--min-mean', 'exact=0.9');
      expect(below.code).toBe(1);
      expect(JSON.parse(below.stdout)).toMatchObject({ status: 'completed', scores: { exact: { count: 10, mean: 0.8 } } });
      expect(below.stderr).toContain('exact mean 0.8 is below 0.9');
      const met = await run('--min-mean', 'exact=0.8');
      expect(met.code).toBe(0);
      expect(met.stderr).toContain('dataset cli-items exists');
      const usage = await run('--prompt', 'greeting');
      expect(usage.code).toBe(2);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
