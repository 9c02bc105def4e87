import { readdirSync, readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { fixturePath } from '../../support/fixtures';
import { startReplayUpstream, type ReplayUpstream } from '../../support/replay-upstream';
import { startSwitchyard, type RunningSwitchyard } from '../switchyard-harness';

/**
 * Every Cohere v2 recording replayed through Switchyard (one process) and
 * read with the official `openai` SDK; what the client reconstructs must equal
 * what the recording itself holds, as read by `readRecording` below (which
 * knows Cohere's format, not the adapter). All recordings of the folder are
 * covered; none is left out. Citations (cohere-citations.json) have no place
 * in an OpenAI answer: only its text is compared.
 */
const FIXTURES = 'provider-responses/vercel-ai/packages/cohere/src/__fixtures__';
const recordings = readdirSync(fixturePath(FIXTURES))
  .filter((file) => file.startsWith('cohere-'))
  .sort();

interface RecordedAnswer {
  text: string;
  reasoning: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  usage: { prompt: number; completion: number };
  finishReason: string;
}

/** Cohere's finish reasons as OpenAI's (https://docs.cohere.com/reference/chat, `finish_reason`). */
const FINISH_REASONS: Record<string, string> = { COMPLETE: 'stop', STOP_SEQUENCE: 'stop', MAX_TOKENS: 'length', TOOL_CALL: 'tool_calls' };

/**
 * What a recording says. Usage is the billed units (what Cohere charges);
 * the tool plan is reasoning; a call's arguments of `null` or nothing are an
 * empty object, as OpenAI clients parse arguments as one.
 */
function readRecording(file: string): RecordedAnswer {
  const answer: RecordedAnswer = { text: '', reasoning: '', toolCalls: [], usage: { prompt: 0, completion: 0 }, finishReason: '' };
  const text = readFileSync(fixturePath(FIXTURES, file), 'utf8');
  const emptyObject = (value: string) => (value === '' || value === 'null' ? '{}' : value);
  if (file.endsWith('.json')) {
    const body = JSON.parse(text);
    for (const item of body.message.content ?? []) {
      if (item.type === 'text') answer.text += item.text;
      if (item.type === 'thinking') answer.reasoning += item.thinking;
    }
    answer.reasoning += body.message.tool_plan ?? '';
    for (const call of body.message.tool_calls ?? []) {
      answer.toolCalls.push({ id: call.id, name: call.function.name, arguments: emptyObject(call.function.arguments) });
    }
    answer.usage = { prompt: body.usage.billed_units.input_tokens, completion: body.usage.billed_units.output_tokens };
    answer.finishReason = FINISH_REASONS[body.finish_reason];
    return answer;
  }
  for (const line of text.split('\n').filter((entry) => entry.trim() !== '')) {
    const event = JSON.parse(line);
    const content = event.delta?.message?.content;
    if (event.type === 'content-delta') {
      answer.text += content.text ?? '';
      answer.reasoning += content.thinking ?? '';
    }
    if (event.type === 'tool-plan-delta') answer.reasoning += event.delta.message.tool_plan;
    if (event.type === 'tool-call-start') {
      const call = event.delta.message.tool_calls;
      answer.toolCalls[event.index] = { id: call.id, name: call.function.name, arguments: call.function.arguments };
    }
    if (event.type === 'tool-call-delta') answer.toolCalls[event.index].arguments += event.delta.message.tool_calls.function.arguments;
    if (event.type === 'message-end') {
      answer.usage = { prompt: event.delta.usage.billed_units.input_tokens, completion: event.delta.usage.billed_units.output_tokens };
      answer.finishReason = FINISH_REASONS[event.delta.finish_reason];
    }
  }
  for (const call of answer.toolCalls) call.arguments = emptyObject(call.arguments);
  return answer;
}

/** A function tool call as the client reads it. */
function functionCall(call: OpenAI.ChatCompletionMessageFunctionToolCall) {
  return { id: call.id, name: call.function.name, arguments: call.function.arguments };
}

/** The recorded events as Cohere frames them: `event: <type>` and `data: <json>`, one write each. */
function sseFrames(file: string): string[] {
  return readFileSync(fixturePath(FIXTURES, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`);
}

describe('Cohere v2 through Switchyard, read with the openai SDK', () => {
  let upstream: ReplayUpstream;
  let switchyard: RunningSwitchyard;
  let client: OpenAI;

  beforeAll(async () => {
    process.env.E2E_COHERE_KEY = 'co-e2e-key';
    upstream = await startReplayUpstream();
    switchyard = await startSwitchyard('embedded', {
      providers: {
        cohere: { kind: 'cohere', baseUrl: `${upstream.origin}/v2`, apiKey: '${E2E_COHERE_KEY}', models: ['command-*', 'embed-*'] },
        'cohere-lenient': {
          kind: 'cohere',
          baseUrl: `${upstream.origin}/v2`,
          apiKey: '${E2E_COHERE_KEY}',
          models: ['lenient-command'],
          dropUnsupportedParams: true,
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
    { type: 'function', function: { name: 'cityAttractions', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
    { type: 'function', function: { name: 'currentTime', parameters: { type: 'object', properties: {} } } },
  ];

  it.each(recordings.filter((file) => file.endsWith('.json')))('replays %s (not streamed)', async (file) => {
    upstream.enqueue({ body: readFileSync(fixturePath(FIXTURES, file)) });
    const completion = await client.chat.completions.create({
      model: 'command-a-03-2025',
      messages: [{ role: 'user', content: 'Hello' }],
      tools,
    });
    const expected = readRecording(file);
    const message = completion.choices[0].message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
    expect(message.content ?? '').toBe(expected.text);
    expect(message.reasoning_content ?? '').toBe(expected.reasoning);
    expect((message.tool_calls ?? []).map((call) => functionCall(call as OpenAI.ChatCompletionMessageFunctionToolCall))).toEqual(expected.toolCalls);
    expect(completion.choices[0].finish_reason).toBe(expected.finishReason);
    expect(completion.usage).toMatchObject({
      prompt_tokens: expected.usage.prompt,
      completion_tokens: expected.usage.completion,
      total_tokens: expected.usage.prompt + expected.usage.completion,
    });
    expect(upstream.requests[0].url).toBe('/v2/chat');
    expect(upstream.requests[0].headers.authorization).toBe('Bearer co-e2e-key');
    expect(upstream.requests[0].json.stream).toBe(false);
  });

  it.each(recordings.filter((file) => file.endsWith('.chunks.txt')))('replays %s (streamed)', async (file) => {
    upstream.enqueue({ headers: { 'content-type': 'text/event-stream' }, body: sseFrames(file) });
    const stream = await client.chat.completions.create({
      model: 'command-a-03-2025',
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
    expect(upstream.requests[0].json.stream).toBe(true);
  });

  it('sends a documented v2 Chat body', async () => {
    upstream.enqueue({ body: readFileSync(fixturePath(FIXTURES, 'cohere-tool-call.json')) });
    await client.chat.completions.create({
      model: 'command-a-03-2025',
      messages: [
        { role: 'system', content: 'You are terse.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture, and the weather there?' },
            { type: 'image_url', image_url: { url: 'https://example.com/paris.png', detail: 'low' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'weather_1', type: 'function', function: { name: 'weather', arguments: '{"location":"Paris"}' } }],
        },
        { role: 'tool', tool_call_id: 'weather_1', content: '{"temperature":21}' },
      ],
      tools: tools.slice(0, 1),
      tool_choice: 'required',
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 300,
      stop: ['END'],
      seed: 7,
      frequency_penalty: 0.1,
      presence_penalty: 0.2,
      reasoning_effort: 'low',
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object', properties: { text: { type: 'string' } } } } },
    });
    const sent = upstream.requests[0];
    expect(sent.headers.authorization).toBe('Bearer co-e2e-key');
    // Checked against https://docs.cohere.com/reference/chat (v2): messages with roles system/user/assistant/tool,
    // image_url content, tool_calls and tool_call_id, `p`, `stop_sequences`, `tool_choice: REQUIRED`,
    // `response_format: {type: json_object, json_schema}`, `thinking: {type, token_budget}`.
    expect({ method: sent.method, url: sent.url, contentType: sent.headers['content-type'], body: sent.json }).toMatchSnapshot();
  });

  it('asks Cohere for the one tool a tool choice names, as REQUIRED with that tool alone', async () => {
    upstream.enqueue({ body: readFileSync(fixturePath(FIXTURES, 'cohere-tool-call.json')) });
    await client.chat.completions.create({
      model: 'command-a-03-2025',
      messages: [{ role: 'user', content: 'Weather?' }],
      tools,
      tool_choice: { type: 'function', function: { name: 'weather' } },
    });
    expect(upstream.requests[0].json.tool_choice).toBe('REQUIRED');
    expect(upstream.requests[0].json.tools.map((tool: { function: { name: string } }) => tool.function.name)).toEqual(['weather']);
  });

  it('answers 400 naming a parameter Cohere cannot honour, before any upstream call', async () => {
    const error = await client.chat.completions
      .create({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Hello' }], n: 2 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toContain("'n'");
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('n');
    expect(upstream.requests).toHaveLength(0);
  });

  it('drops it instead when the provider allows it', async () => {
    upstream.enqueue({ body: readFileSync(fixturePath(FIXTURES, 'cohere-text.json')) });
    const data = await client.chat.completions.create({
      model: 'lenient-command',
      messages: [{ role: 'user', content: 'Hello' }],
      user: 'end-user-1',
    });
    expect(data.choices[0].message.content).toBe('The capital of France is Paris.');
    expect(upstream.requests[0].json).not.toHaveProperty('user');
  });

  it("keeps Cohere's status and message on an error answer", async () => {
    upstream.setDefault({
      status: 400,
      body: JSON.stringify({ id: 'e1', message: 'invalid request: temperature must be between 0 and 1.0 inclusive.' }),
    });
    const error = await client.chat.completions
      .create({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Hello' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain('temperature must be between 0 and 1.0 inclusive');
    expect((error as Error).message).not.toContain('co-e2e-key');
  });

  it('reports an upstream failure as a 502 with the message kept', async () => {
    upstream.setDefault({ status: 500, body: JSON.stringify({ message: 'internal server error, this has been reported to our developers' }) });
    const error = await client.chat.completions
      .create({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Hello' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((error as Error).message).toContain('internal server error');
  });

  it('embeds with /v2/embed and reads the float vectors and billed tokens', async () => {
    upstream.enqueue({
      body: JSON.stringify({
        id: 'embed-1',
        embeddings: {
          float: [
            [0.25, -0.5, 0.125],
            [1, 0, -1],
          ],
        },
        texts: ['the quick brown fox', 'alpha beta gamma'],
        meta: { api_version: { version: '2' }, billed_units: { input_tokens: 9 } },
        response_type: 'embeddings_by_type',
      }),
    });
    const embeddings = await client.embeddings.create({
      model: 'embed-v4.0',
      input: ['the quick brown fox', 'alpha beta gamma'],
      encoding_format: 'float',
      dimensions: 256,
    });
    expect(embeddings.data.map((item) => item.embedding)).toEqual([
      [0.25, -0.5, 0.125],
      [1, 0, -1],
    ]);
    expect(embeddings.data.map((item) => item.index)).toEqual([0, 1]);
    expect(embeddings.usage.prompt_tokens).toBe(9);
    // Checked against https://docs.cohere.com/reference/embed (v2): texts, input_type, embedding_types, output_dimension.
    expect({ url: upstream.requests[0].url, body: upstream.requests[0].json }).toMatchSnapshot();
  });
});
