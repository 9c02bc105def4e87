import { readdirSync, readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { fixturePath } from '../../support/fixtures';
import { startReplayUpstream, type ReplayUpstream } from '../../support/replay-upstream';
import { startSwitchyard, type RunningSwitchyard } from '../switchyard-harness';

/**
 * Every Mistral recording replayed through Switchyard (one process) and read
 * with the official `openai` SDK; what the client reconstructs must equal what
 * the recording itself holds, as read by `readRecording` below (which knows
 * Mistral's format, not the adapter). All recordings of the folder are
 * covered; none is left out.
 */
const FIXTURES = 'provider-responses/vercel-ai/packages/mistral/src/__fixtures__';
const recordings = readdirSync(fixturePath(FIXTURES))
  .filter((file) => file.startsWith('mistral-'))
  .sort();

interface RecordedAnswer {
  text: string;
  reasoning: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  usage: { prompt: number; completion: number; cached?: number };
  finishReason: string;
}

/** Content as Mistral sends it: a string, or `text` and `thinking` chunks. */
function addContent(answer: RecordedAnswer, content: unknown): void {
  if (typeof content === 'string') {
    answer.text += content;
    return;
  }
  for (const chunk of (content as { type: string; text?: string; thinking?: { text: string }[] }[] | null) ?? []) {
    if (chunk.type === 'text') answer.text += chunk.text;
    if (chunk.type === 'thinking') for (const part of chunk.thinking ?? []) answer.reasoning += part.text;
  }
}

function readUsage(usage: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details?: { cached_tokens: number } }) {
  const cached = usage.prompt_tokens_details?.cached_tokens;
  return { prompt: usage.prompt_tokens, completion: usage.completion_tokens, ...(cached === undefined ? {} : { cached }) };
}

/** What a recording says. Tool calls without an `index` each start a call, as Mistral sends a call whole. */
function readRecording(file: string): RecordedAnswer {
  const answer: RecordedAnswer = { text: '', reasoning: '', toolCalls: [], usage: { prompt: 0, completion: 0 }, finishReason: '' };
  const text = readFileSync(fixturePath(FIXTURES, file), 'utf8');
  if (file.endsWith('.json')) {
    const body = JSON.parse(text);
    const choice = body.choices[0];
    addContent(answer, choice.message.content);
    for (const call of choice.message.tool_calls ?? [])
      answer.toolCalls.push({ id: call.id, name: call.function.name, arguments: call.function.arguments });
    answer.usage = readUsage(body.usage);
    answer.finishReason = choice.finish_reason;
    return answer;
  }
  for (const line of text.split('\n').filter((entry) => entry.trim() !== '')) {
    const chunk = JSON.parse(line);
    for (const choice of chunk.choices) {
      addContent(answer, choice.delta.content);
      for (const call of choice.delta.tool_calls ?? []) {
        const position = call.index ?? answer.toolCalls.length;
        answer.toolCalls[position] ??= { id: '', name: '', arguments: '' };
        answer.toolCalls[position].id ||= call.id ?? '';
        answer.toolCalls[position].name += call.function.name ?? '';
        answer.toolCalls[position].arguments += call.function.arguments ?? '';
      }
      if (choice.finish_reason) answer.finishReason = choice.finish_reason;
    }
    if (chunk.usage) answer.usage = readUsage(chunk.usage);
  }
  return answer;
}

/** A function tool call as the client reads it. */
function functionCall(call: OpenAI.ChatCompletionMessageFunctionToolCall) {
  return { id: call.id, name: call.function.name, arguments: call.function.arguments };
}

function sseFrames(file: string): string[] {
  const lines = readFileSync(fixturePath(FIXTURES, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  return [...lines.map((line) => `data: ${line}\n\n`), 'data: [DONE]\n\n'];
}

describe('Mistral through Switchyard, read with the openai SDK', () => {
  let upstream: ReplayUpstream;
  let switchyard: RunningSwitchyard;
  let client: OpenAI;

  beforeAll(async () => {
    process.env.E2E_MISTRAL_KEY = 'mistral-e2e-key';
    upstream = await startReplayUpstream();
    switchyard = await startSwitchyard('embedded', {
      providers: {
        mistral: {
          kind: 'mistral',
          baseUrl: `${upstream.origin}/v1`,
          apiKey: '${E2E_MISTRAL_KEY}',
          models: ['mistral-*', 'magistral-*', 'zai-*', 'codestral-*'],
        },
      },
    });
    client = new OpenAI({ baseURL: switchyard.baseURL, apiKey: switchyard.apiKey, maxRetries: 0 });
  });

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
  });

  beforeEach(() => {
    upstream.requests.length = 0;
    upstream.setDefault(undefined);
  });

  const tools: OpenAI.ChatCompletionTool[] = [
    { type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } },
    { type: 'function', function: { name: 'webSearchTool', parameters: { type: 'object', properties: { query: { type: 'string' } } } } },
  ];

  it.each(recordings.filter((file) => file.endsWith('.json')))('replays %s (not streamed)', async (file) => {
    upstream.enqueue({ body: readFileSync(fixturePath(FIXTURES, file)) });
    const completion = await client.chat.completions.create({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'Hello' }], tools });
    const expected = readRecording(file);
    const message = completion.choices[0].message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
    expect(message.content ?? '').toBe(expected.text);
    expect(message.reasoning_content ?? '').toBe(expected.reasoning);
    expect((message.tool_calls ?? []).map((call) => functionCall(call as OpenAI.ChatCompletionMessageFunctionToolCall))).toEqual(expected.toolCalls);
    expect(completion.choices[0].finish_reason).toBe(expected.finishReason);
    expect(completion.usage).toMatchObject({ prompt_tokens: expected.usage.prompt, completion_tokens: expected.usage.completion });
    expect(upstream.requests[0].url).toBe('/v1/chat/completions');
    expect(upstream.requests[0].headers.authorization).toBe('Bearer mistral-e2e-key');
  });

  it.each(recordings.filter((file) => file.endsWith('.chunks.txt')))('replays %s (streamed)', async (file) => {
    upstream.enqueue({ headers: { 'content-type': 'text/event-stream' }, body: sseFrames(file) });
    const stream = await client.chat.completions.create({
      model: 'mistral-small-latest',
      messages: [{ role: 'user', content: 'Hello' }],
      tools,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let reasoning = '';
    let finishReason: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    const calls: { id: string; name: string; arguments: string }[] = [];
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (chunk.usage) usage = chunk.usage;
      if (!choice) continue;
      const delta = choice.delta as OpenAI.ChatCompletionChunk.Choice.Delta & { reasoning_content?: string };
      text += delta.content ?? '';
      reasoning += delta.reasoning_content ?? '';
      for (const call of delta.tool_calls ?? []) {
        calls[call.index] ??= { id: '', name: '', arguments: '' };
        calls[call.index].id += call.id ?? '';
        calls[call.index].name += call.function?.name ?? '';
        calls[call.index].arguments += call.function?.arguments ?? '';
      }
      finishReason = choice.finish_reason ?? finishReason;
    }
    const expected = readRecording(file);
    expect(text).toBe(expected.text);
    expect(reasoning).toBe(expected.reasoning);
    expect(calls).toEqual(expected.toolCalls);
    expect(finishReason).toBe(expected.finishReason);
    expect(usage).toMatchObject({ prompt_tokens: expected.usage.prompt, completion_tokens: expected.usage.completion });
    if (expected.usage.cached !== undefined) expect(usage?.prompt_tokens_details?.cached_tokens).toBe(expected.usage.cached);
    expect(upstream.requests[0].json.stream).toBe(true);
    // Mistral refuses unknown fields (422); it always sends usage on the last chunk.
    expect(upstream.requests[0].json).not.toHaveProperty('stream_options');
  });

  it('sends a documented chat completions body, with Mistral-shaped tool call ids', async () => {
    upstream.enqueue({ body: readFileSync(fixturePath(FIXTURES, 'mistral-tool-call.json')) });
    await client.chat.completions.create({
      model: 'mistral-small-latest',
      messages: [
        { role: 'system', content: 'You are terse.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture, and the weather there?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_abc123XYZ_openai', type: 'function', function: { name: 'weather', arguments: '{"location":"Paris"}' } },
            { id: 'gSIMJiOkT', type: 'function', function: { name: 'webSearchTool', arguments: '{"query":"Paris"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_abc123XYZ_openai', content: '{"temperature":21}' },
        { role: 'tool', tool_call_id: 'gSIMJiOkT', content: '[]' },
      ],
      tools,
      tool_choice: 'required',
      parallel_tool_calls: false,
      temperature: 0.3,
      top_p: 0.95,
      max_tokens: 200,
      stop: ['END'],
      seed: 42,
      n: 1,
      presence_penalty: 0.1,
      frequency_penalty: 0.2,
      reasoning_effort: 'high',
      response_format: { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema: { type: 'object' } } },
    });
    const sent = upstream.requests[0];
    expect(sent.headers.authorization).toBe('Bearer mistral-e2e-key');
    const [call, ownCall] = sent.json.messages[2].tool_calls;
    expect(call.id).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(sent.json.messages[3].tool_call_id).toBe(call.id);
    expect(ownCall.id).toBe('gSIMJiOkT');
    // Checked against https://docs.mistral.ai/api/#tag/chat (and mistralai/client-python docs/models/chatcompletionrequest.md):
    // random_seed, tool_choice "any", 9-character tool call ids, tool message name, image_url chunks, json_schema format.
    expect({ method: sent.method, url: sent.url, contentType: sent.headers['content-type'], body: sent.json }).toMatchSnapshot();
  });

  it('continues a final assistant turn as a prefix', async () => {
    upstream.enqueue({ body: readFileSync(fixturePath(FIXTURES, 'mistral-text.json')) });
    await client.chat.completions.create({
      model: 'mistral-small-latest',
      messages: [
        { role: 'user', content: 'Invent a holiday.' },
        { role: 'assistant', content: '**Holiday Name:' },
      ],
    });
    expect(upstream.requests[0].json.messages[1]).toEqual({ role: 'assistant', content: '**Holiday Name:', prefix: true });
  });

  it("keeps Mistral's status and message on an error answer", async () => {
    upstream.setDefault({
      status: 400,
      body: JSON.stringify({
        object: 'error',
        message: 'Tool call id was call_1 but must be a-z, A-Z, 0-9, with a length of 9.',
        type: 'invalid_request_message_order',
        param: null,
        code: '3230',
      }),
    });
    const error = await client.chat.completions
      .create({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'Hello' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain('must be a-z, A-Z, 0-9, with a length of 9');
    expect((error as Error).message).not.toContain('mistral-e2e-key');
  });

  it('reads a 422 validation error as a 400 naming the field', async () => {
    upstream.setDefault({
      status: 422,
      body: JSON.stringify({ detail: [{ type: 'extra_forbidden', loc: ['body', 'logprobs'], msg: 'Extra inputs are not permitted', input: true }] }),
    });
    const error = await client.chat.completions
      .create({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'Hello' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain('body.logprobs: Extra inputs are not permitted');
  });

  it('rate limits are 429s for the client', async () => {
    upstream.setDefault({
      status: 429,
      headers: { 'content-type': 'application/json', 'retry-after': '1' },
      body: JSON.stringify({ message: 'Requests rate limit exceeded' }),
    });
    const error = await client.chat.completions
      .create({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'Hello' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as Error).message).toContain('Requests rate limit exceeded');
  });

  it('embeds with /v1/embeddings', async () => {
    upstream.enqueue({
      body: JSON.stringify({
        id: 'embd-1',
        object: 'list',
        model: 'mistral-embed',
        data: [
          { object: 'embedding', index: 1, embedding: [1, 0, -1] },
          { object: 'embedding', index: 0, embedding: [0.25, -0.5, 0.125] },
        ],
        usage: { prompt_tokens: 9, total_tokens: 9, completion_tokens: 0 },
      }),
    });
    const embeddings = await client.embeddings.create({
      model: 'mistral-embed',
      input: ['the quick brown fox', 'alpha beta gamma'],
      encoding_format: 'float',
    });
    expect(embeddings.data.map((item) => item.embedding)).toEqual([
      [0.25, -0.5, 0.125],
      [1, 0, -1],
    ]);
    expect(embeddings.usage.prompt_tokens).toBe(9);
    // Checked against https://docs.mistral.ai/api/#tag/embeddings: model, input (output_dimension only when asked).
    expect({ url: upstream.requests[0].url, body: upstream.requests[0].json }).toMatchSnapshot();
  });
});
