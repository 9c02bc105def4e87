import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { loadConfig } from '@switchyard/shared';
import { fixturePath } from '../../support/fixtures';
import { startReplayUpstream, type ReplayAnswer, type ReplayedRequest, type ReplayUpstream } from '../../support/replay-upstream';
import { startSwitchyard, type Mode, type RunningSwitchyard } from '../switchyard-harness';

/**
 * The native Anthropic adapter end to end: recorded Messages API traffic
 * replayed from a loopback upstream through the gateway, read with the
 * official `openai` SDK, and compared with what the recording itself holds
 * (read below, independently of the adapter); the two-turn thinking + tool
 * call conversation against an upstream that checks the signature comes
 * back unchanged; and snapshots of what the adapter sends.
 */

const VERCEL = 'provider-responses/vercel-ai/packages/anthropic/src/__fixtures__';
const SDK_STREAMS = 'provider-responses/anthropic-sdk-python/tests/lib/streaming/fixtures';
const SDK_SNAPSHOTS = 'provider-responses/anthropic-sdk-python/tests/lib';

/**
 * Recordings left out, and why. Everything else in the two folders is replayed.
 * - spliced-message-start.chunks.txt: a second message spliced into the open one, malformed on purpose; its
 *   rejection as a bad response is tested on the stream state machine (anthropic-stream.test.ts).
 */
const LEFT_OUT = new Set(['spliced-message-start.chunks.txt']);

// ------------------------------------------------------------------ what a recording holds

interface Expected {
  text: string;
  reasoning: string;
  thinkingBlocks: Record<string, unknown>[];
  /** Arguments as a stream carries them (the joined JSON text), or parsed from a whole response. */
  toolCalls: { name: string; arguments: unknown }[];
  usage: { prompt_tokens: number; completion_tokens: number };
  finishReason: string;
}

/**
 * OpenAI's finish reason for Anthropic's stop reason, from the two APIs' documentation; OpenAI has no
 * equivalent of pause_turn and the like, which end a turn like a plain stop.
 */
function finishReasonOf(stopReason: string | null | undefined): string {
  const reasons: Record<string, string> = {
    tool_use: 'tool_calls',
    max_tokens: 'length',
    model_context_window_exceeded: 'length',
    refusal: 'content_filter',
  };
  return reasons[stopReason ?? ''] ?? 'stop';
}

type Usage = Record<string, number | null | undefined>;

/** Anthropic counts cache reads and writes apart from input_tokens; OpenAI's prompt_tokens counts them all. */
function openAIUsage(usage: Usage): Expected['usage'] {
  return {
    prompt_tokens: (usage.input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0),
    completion_tokens: usage.output_tokens ?? 0,
  };
}

/** A non-streaming Messages API body. Server tool blocks are not client tool calls. */
function readMessage(message: any): Expected {
  const expected: Expected = {
    text: '',
    reasoning: '',
    thinkingBlocks: [],
    toolCalls: [],
    usage: openAIUsage(message.usage),
    finishReason: finishReasonOf(message.stop_reason),
  };
  for (const block of message.content) {
    if (block.type === 'text') expected.text += block.text;
    if (block.type === 'thinking') {
      expected.reasoning += block.thinking;
      expected.thinkingBlocks.push({ type: 'thinking', thinking: block.thinking, signature: block.signature });
    }
    if (block.type === 'redacted_thinking') expected.thinkingBlocks.push({ type: 'redacted_thinking', data: block.data });
    if (block.type === 'tool_use') expected.toolCalls.push({ name: block.name, arguments: block.input ?? {} });
  }
  return expected;
}

/** Stream events up to message_stop; message_delta counts are cumulative, each present field replacing the last. */
function readEvents(events: any[]): Expected {
  const expected: Expected = {
    text: '',
    reasoning: '',
    thinkingBlocks: [],
    toolCalls: [],
    usage: { prompt_tokens: 0, completion_tokens: 0 },
    finishReason: 'stop',
  };
  let usage: Usage = {};
  const blocks = new Map<number, any>();
  const toolBlocks: any[] = [];
  for (const event of events) {
    if (event.type === 'message_start') usage = { ...event.message.usage };
    if (event.type === 'content_block_start') blocks.set(event.index, { ...event.content_block, json: '' });
    if (event.type === 'content_block_start' && event.content_block.type === 'tool_use') toolBlocks.push(blocks.get(event.index));
    if (event.type === 'content_block_delta') {
      const block = blocks.get(event.index);
      if (event.delta.type === 'text_delta') expected.text += event.delta.text;
      if (event.delta.type === 'thinking_delta') {
        block.thinking += event.delta.thinking;
        expected.reasoning += event.delta.thinking;
      }
      if (event.delta.type === 'signature_delta') block.signature += event.delta.signature;
      if (event.delta.type === 'input_json_delta') block.json += event.delta.partial_json;
    }
    if (event.type === 'content_block_start' && event.content_block.type === 'text') expected.text += event.content_block.text;
    if (event.type === 'content_block_stop') {
      const block = blocks.get(event.index);
      if (block.type === 'thinking') expected.thinkingBlocks.push({ type: 'thinking', thinking: block.thinking, signature: block.signature });
      if (block.type === 'redacted_thinking') expected.thinkingBlocks.push({ type: 'redacted_thinking', data: block.data });
    }
    if (event.type === 'message_delta' && event.delta.stop_reason) expected.finishReason = finishReasonOf(event.delta.stop_reason);
    if (event.type === 'message_delta' && event.usage) {
      for (const [key, value] of Object.entries(event.usage)) if (typeof value === 'number') usage[key] = value;
    }
    if (event.type === 'message_stop') break;
  }
  // A call may be cut off (a max_tokens stop, no content_block_stop), so its arguments are compared as text.
  expected.toolCalls = toolBlocks.map((block) => ({
    name: block.name,
    arguments: block.json === '' ? JSON.stringify(block.input ?? {}) : block.json,
  }));
  expected.usage = openAIUsage(usage);
  return expected;
}

/** The events of a raw SSE body. */
function sseEvents(body: string): any[] {
  return body
    .split(/\r?\n/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => JSON.parse(line.slice(5).trim()));
}

interface ReplayCase {
  name: string;
  answer: ReplayAnswer;
  stream: boolean;
  /** What the client must see: the recording's content, or the upstream's error. */
  expected: Expected | { status: number; message: string };
}

const SSE_HEADERS = { 'content-type': 'text/event-stream' };

function sseCase(name: string, body: string): ReplayCase {
  return { name, stream: true, answer: { headers: SSE_HEADERS, body }, expected: readEvents(sseEvents(body)) };
}

function jsonCase(name: string, message: any): ReplayCase {
  return { name, stream: false, answer: { body: JSON.stringify(message) }, expected: readMessage(message) };
}

function recordedCases(): ReplayCase[] {
  const cases: ReplayCase[] = [];
  const vercel = fixturePath(VERCEL);
  for (const file of readdirSync(vercel).sort()) {
    if (LEFT_OUT.has(file)) continue;
    const text = readFileSync(path.join(vercel, file), 'utf8');
    if (file.endsWith('.json')) cases.push(jsonCase(file, JSON.parse(text)));
    else if (file.endsWith('.chunks.txt')) {
      // One JSON event a line, framed as the SSE Anthropic sends.
      const lines = text.split('\n').filter((line) => line.trim() !== '');
      const frames = lines.map((line) => `event: ${JSON.parse(line).type}\ndata: ${line}\n\n`).join('');
      cases.push(sseCase(file, frames));
    }
  }
  const streams = fixturePath(SDK_STREAMS);
  for (const file of readdirSync(streams).sort()) cases.push(sseCase(file, readFileSync(path.join(streams, file), 'utf8')));
  for (const file of snapshotFiles(fixturePath(SDK_SNAPSHOTS))) {
    const exchanges = JSON.parse(readFileSync(file, 'utf8')) as { response: { status_code: number; body: unknown } }[];
    exchanges.forEach(({ response }, index) => {
      const name = `${path.relative(fixturePath(SDK_SNAPSHOTS), file)}#${index}`;
      if (response.status_code !== 200) {
        const body = response.body as { error: { message: string } };
        cases.push({
          name,
          stream: false,
          answer: { status: response.status_code, body: JSON.stringify(body) },
          // Rate limits and rejected requests keep their status; other upstream failures are a 502.
          expected: { status: [400, 429].includes(response.status_code) ? response.status_code : 502, message: body.error.message },
        });
      } else if (typeof response.body === 'string') cases.push(sseCase(name, response.body));
      else cases.push(jsonCase(name, response.body));
    });
  }
  return cases;
}

function snapshotFiles(directory: string): string[] {
  return readdirSync(directory, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.includes('__inline_snapshot__') && file.endsWith('.json'))
    .sort()
    .map((file) => path.join(directory, file));
}

// ------------------------------------------------------------------ what the client reads

async function readCompletion(client: OpenAI, stream: boolean): Promise<Expected> {
  const request = { model: 'claude-sonnet-4-5', messages: [{ role: 'user' as const, content: 'Hello' }] };
  if (!stream) {
    const completion = await client.chat.completions.create(request);
    const message = completion.choices[0].message as OpenAI.ChatCompletionMessage & { reasoning_content?: string; thinking_blocks?: any[] };
    return {
      text: message.content ?? '',
      reasoning: message.reasoning_content ?? '',
      thinkingBlocks: message.thinking_blocks ?? [],
      toolCalls: (message.tool_calls ?? []).map((call) => {
        if (call.type !== 'function') throw new Error(`unexpected ${call.type} tool call`);
        return { name: call.function.name, arguments: JSON.parse(call.function.arguments) };
      }),
      usage: { prompt_tokens: completion.usage!.prompt_tokens, completion_tokens: completion.usage!.completion_tokens },
      finishReason: completion.choices[0].finish_reason,
    };
  }
  const chunks = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
  const result = { text: '', reasoning: '', thinkingBlocks: [] as any[], usage: { prompt_tokens: -1, completion_tokens: -1 }, finishReason: '' };
  const calls: { name: string; arguments: string }[] = [];
  for await (const chunk of chunks) {
    if (chunk.usage) result.usage = { prompt_tokens: chunk.usage.prompt_tokens, completion_tokens: chunk.usage.completion_tokens };
    const choice = chunk.choices[0];
    if (!choice) continue;
    const delta = choice.delta as typeof choice.delta & { reasoning_content?: string; thinking_blocks?: any[] };
    result.text += delta.content ?? '';
    result.reasoning += delta.reasoning_content ?? '';
    result.thinkingBlocks.push(...(delta.thinking_blocks ?? []));
    result.finishReason = choice.finish_reason ?? result.finishReason;
    for (const call of delta.tool_calls ?? []) {
      calls[call.index] ??= { name: '', arguments: '' };
      calls[call.index].name += call.function?.name ?? '';
      calls[call.index].arguments += call.function?.arguments ?? '';
    }
  }
  return { ...result, toolCalls: calls };
}

// ------------------------------------------------------------------ the suite

// Both modes: in the distributed one the request and every part cross gRPC, signatures and breakpoints included.
describe.each<Mode>(['embedded', 'distributed'])('Anthropic through the gateway (%s), read with the openai SDK', (mode) => {
  let upstream: ReplayUpstream;
  let switchyard: RunningSwitchyard;
  let client: OpenAI;

  beforeAll(async () => {
    process.env.E2E_ANTHROPIC_PROVIDER_KEY = 'sk-ant-e2e-provider';
    upstream = await startReplayUpstream();
    switchyard = await startSwitchyard(mode, {
      providers: {
        anthropic: { kind: 'anthropic', baseUrl: `${upstream.origin}/v1`, apiKey: '${E2E_ANTHROPIC_PROVIDER_KEY}', models: ['claude-*'] },
      },
    });
    client = new OpenAI({ baseURL: switchyard.baseURL, apiKey: switchyard.apiKey, maxRetries: 0 });
  });

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
  });

  afterEach(() => upstream.setDefault(undefined));

  describe('replays every relevant recording', () => {
    it.each(recordedCases().map((replay) => [replay.name, replay] as const))('%s', async (_name, replay) => {
      // The same answer to every attempt: a retried error meets the same recording.
      upstream.setDefault(replay.answer);
      if ('status' in replay.expected) {
        const error = await readCompletion(client, replay.stream).catch((caught) => caught);
        expect(error).toBeInstanceOf(OpenAI.APIError);
        expect(error.status).toBe(replay.expected.status);
        expect(error.message).toContain(replay.expected.message);
        return;
      }
      const read = await readCompletion(client, replay.stream);
      expect(read.text).toBe(replay.expected.text);
      expect(read.reasoning).toBe(replay.expected.reasoning);
      expect(read.thinkingBlocks).toEqual(replay.expected.thinkingBlocks);
      expect(read.toolCalls).toEqual(replay.expected.toolCalls);
      expect(read.usage).toEqual(replay.expected.usage);
      expect(read.finishReason).toBe(replay.expected.finishReason);
    });
  });

  describe('a two-turn conversation with thinking and a tool call', () => {
    const SIGNATURE =
      'EuYBCkQYAiJAgCs1le6/Pol5Z4/JdkqQWuO7IpXlDm0S3QO5ZzYBknSk/2kNkmpRtOEbyhSs3BrCBfpKSgDgw7KO6sn1fXvvdBIMYSWlwI4dRXdlG6wXGgwzUnByhZWIn9IxxroiMOIwiCv9S0Rhzmw7o9ZsjdVdo4BT+lyH0QdHmD3gSPC5Qqbn0pwXnmqGRPKvpanFTxmNKpABmhRUbqL34rNuEN5GYCCOtA1Jlc8/bOmKg6nQJ4bMLmDKJ5vJ2CUtsiDPb3SsY5PDoVE2GCUpjqd9ZiZOMM6/gNCRXHzW0zqiKJlXZPh2XW7Gu6tslh1g9+ex8NFbsQ1YzeNLlY0mKXT0NPYR1o8G6sFF9wRw7Sod/eV4XobXwEjxEeG8PtlndMGDuWcT5gZBqeuMAFnEOQ==';
    const THINKING = 'The user wants the weather in Paris; I should call get_weather.';
    const REDACTED = 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB5URj2pabfYKAlpWEdq2+ANKh';
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'The current weather in a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ];
    const question: OpenAI.ChatCompletionMessageParam = { role: 'user', content: 'What is the weather in Paris?' };

    const firstTurn = {
      id: 'msg_01ThinkToolTurn1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      content: [
        { type: 'thinking', thinking: THINKING, signature: SIGNATURE },
        { type: 'redacted_thinking', data: REDACTED },
        { type: 'tool_use', id: 'toolu_01WeatherParis', name: 'get_weather', input: { city: 'Paris' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 412, output_tokens: 96 },
    };

    /** The first turn as Anthropic streams it: thinking deltas, then its signature, the redacted block, the tool call. */
    function firstTurnStream(): string {
      const events = [
        { type: 'message_start', message: { ...firstTurn, content: [], stop_reason: null, usage: { input_tokens: 412, output_tokens: 1 } } },
        { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: THINKING.slice(0, 20) } },
        { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: THINKING.slice(20) } },
        { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: SIGNATURE } },
        { type: 'content_block_stop', index: 0 },
        { type: 'content_block_start', index: 1, content_block: { type: 'redacted_thinking', data: REDACTED } },
        { type: 'content_block_stop', index: 1 },
        { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_01WeatherParis', name: 'get_weather', input: {} } },
        { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"city": "Pa' } },
        { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: 'ris"}' } },
        { type: 'content_block_stop', index: 2 },
        { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 96 } },
        { type: 'message_stop' },
      ];
      return events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('');
    }

    /**
     * What Anthropic does on the second turn with thinking and tools: the
     * assistant turn must start with the thinking blocks it returned, exactly
     * (https://docs.claude.com/en/docs/build-with-claude/extended-thinking, "Preserving thinking blocks").
     */
    function secondTurn(request: ReplayedRequest): ReplayAnswer {
      const assistant = request.json?.messages?.[1];
      const expectedStart = [
        { type: 'thinking', thinking: THINKING, signature: SIGNATURE },
        { type: 'redacted_thinking', data: REDACTED },
      ];
      const problem =
        assistant?.role !== 'assistant'
          ? 'messages.1: expected the assistant turn'
          : JSON.stringify(assistant.content.slice(0, 2)) !== JSON.stringify(expectedStart)
            ? 'messages.1.content.0: Invalid `signature` in `thinking` block'
            : assistant.content[2]?.type !== 'tool_use' || request.json.messages[2]?.content?.[0]?.type !== 'tool_result'
              ? 'messages.2: tool_use ids were found without tool_result blocks immediately after'
              : undefined;
      if (problem) {
        return { status: 400, body: JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: problem } }) };
      }
      return {
        body: JSON.stringify({
          id: 'msg_01ThinkToolTurn2',
          type: 'message',
          role: 'assistant',
          model: 'claude-sonnet-4-5-20250929',
          content: [{ type: 'text', text: 'It is 18°C and sunny in Paris.' }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage: { input_tokens: 530, output_tokens: 14 },
        }),
      };
    }

    async function secondTurnWith(assistant: Record<string, unknown>) {
      upstream.enqueue(secondTurn);
      return client.chat.completions.create({
        model: 'claude-sonnet-4-5',
        reasoning_effort: 'low',
        tools,
        messages: [
          question,
          assistant as unknown as OpenAI.ChatCompletionAssistantMessageParam,
          { role: 'tool', tool_call_id: 'toolu_01WeatherParis', content: '18°C, sunny' },
        ],
      });
    }

    it('succeeds when the first turn is read whole', async () => {
      upstream.enqueue({ body: JSON.stringify(firstTurn) });
      const first = await client.chat.completions.create({ model: 'claude-sonnet-4-5', reasoning_effort: 'low', tools, messages: [question] });
      const message = first.choices[0].message as OpenAI.ChatCompletionMessage & { thinking_blocks?: unknown[] };
      expect(first.choices[0].finish_reason).toBe('tool_calls');
      expect(message.thinking_blocks).toEqual([
        { type: 'thinking', thinking: THINKING, signature: SIGNATURE },
        { type: 'redacted_thinking', data: REDACTED },
      ]);
      expect(upstream.requests.at(-1)!.json.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });

      // The client sends the assistant message back as it got it, as LiteLLM-style clients do.
      const second = await secondTurnWith(message as unknown as Record<string, unknown>);
      expect(second.choices[0].message.content).toBe('It is 18°C and sunny in Paris.');
    });

    it('succeeds when the first turn is streamed, the thinking_blocks deltas appended', async () => {
      upstream.enqueue({ headers: SSE_HEADERS, body: firstTurnStream() });
      const stream = await client.chat.completions.create({
        model: 'claude-sonnet-4-5',
        reasoning_effort: 'low',
        tools,
        messages: [question],
        stream: true,
      });
      const thinkingBlocks: unknown[] = [];
      let reasoning = '';
      const calls: { id: string; name: string; arguments: string }[] = [];
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta as
          (OpenAI.ChatCompletionChunk.Choice.Delta & { thinking_blocks?: unknown[]; reasoning_content?: string }) | undefined;
        thinkingBlocks.push(...(delta?.thinking_blocks ?? []));
        reasoning += delta?.reasoning_content ?? '';
        for (const call of delta?.tool_calls ?? []) {
          calls[call.index] ??= { id: '', name: '', arguments: '' };
          calls[call.index].id += call.id ?? '';
          calls[call.index].name += call.function?.name ?? '';
          calls[call.index].arguments += call.function?.arguments ?? '';
        }
      }
      expect(reasoning).toBe(THINKING);
      const second = await secondTurnWith({
        role: 'assistant',
        content: null,
        reasoning_content: reasoning,
        thinking_blocks: thinkingBlocks,
        tool_calls: calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })),
      });
      expect(second.choices[0].message.content).toBe('It is 18°C and sunny in Paris.');
    });

    it('fails, with the upstream error, when the signature does not come back unchanged', async () => {
      const error = await secondTurnWith({
        role: 'assistant',
        content: null,
        thinking_blocks: [
          { type: 'thinking', thinking: THINKING, signature: SIGNATURE.replace('EuYB', 'EuYC') },
          { type: 'redacted_thinking', data: REDACTED },
        ],
        tool_calls: [{ id: 'toolu_01WeatherParis', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      }).catch((caught) => caught);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect(error.message).toContain('Invalid `signature` in `thinking` block');
    });
  });

  describe('what the adapter sends', () => {
    /** The request as sent, the key's value left out. */
    function sent(request: ReplayedRequest) {
      return {
        method: request.method,
        url: request.url,
        headers: {
          'anthropic-version': request.headers['anthropic-version'],
          'content-type': request.headers['content-type'],
          'x-api-key': request.headers['x-api-key'] === 'sk-ant-e2e-provider' ? '<the configured key>' : request.headers['x-api-key'],
        },
        body: request.json,
      };
    }

    const message = {
      id: 'msg_01Snapshot',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      content: [{ type: 'text', text: 'ok' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 1, output_tokens: 1 },
    };

    // Checked against https://docs.claude.com/en/api/messages (system as text blocks with cache_control, image
    // sources, tools with input_schema and cache_control, tool_choice with disable_parallel_tool_use,
    // stop_sequences, metadata.user_id, tool_use/tool_result blocks) and
    // https://docs.claude.com/en/docs/build-with-claude/extended-thinking (thinking with budget_tokens, and
    // thinking / redacted_thinking blocks first in the assistant turn, as returned).
    it('a request with system, cache breakpoints, images, tools, a tool round trip and thinking', async () => {
      upstream.enqueue({ body: JSON.stringify(message) });
      await client.chat.completions.create({
        model: 'claude-sonnet-4-5',
        max_completion_tokens: 8192,
        reasoning_effort: 'medium',
        user: 'user-42',
        parallel_tool_calls: false,
        tool_choice: 'auto',
        tools: [
          {
            type: 'function',
            function: {
              name: 'get_weather',
              description: 'The weather in a city',
              parameters: { type: 'object', properties: { city: { type: 'string' } } },
            },
            cache_control: { type: 'ephemeral' },
          } as OpenAI.ChatCompletionTool,
        ],
        messages: [
          {
            role: 'system',
            content: [
              { type: 'text', text: 'You are a travel assistant.', cache_control: { type: 'ephemeral', ttl: '1h' } },
              { type: 'text', text: 'Answer briefly.' },
            ] as OpenAI.ChatCompletionContentPartText[],
          },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Where is this, and what is the weather there?' },
              {
                type: 'image_url',
                image_url: {
                  url: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
                },
              },
              { type: 'image_url', image_url: { url: 'https://example.com/eiffel-tower.jpg' } },
            ],
          },
          {
            role: 'assistant',
            content: null,
            thinking_blocks: [
              { type: 'thinking', thinking: 'That is the Eiffel Tower.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' },
              { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
            ],
            tool_calls: [{ id: 'toolu_01A', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
          } as OpenAI.ChatCompletionAssistantMessageParam,
          { role: 'tool', tool_call_id: 'toolu_01A', content: '18°C, sunny' },
        ],
      });
      expect(sent(upstream.requests.at(-1)!)).toMatchSnapshot();
    });

    // Checked against https://docs.claude.com/en/api/messages (temperature, top_p, stop_sequences, stream,
    // tool_choice any, a string system prompt).
    it('a streamed request with sampling parameters and stop sequences', async () => {
      upstream.enqueue({ headers: SSE_HEADERS, body: readFileSync(fixturePath(`${SDK_STREAMS}/basic_response.txt`), 'utf8') });
      const stream = await client.chat.completions.create({
        model: 'claude-sonnet-4-5',
        temperature: 0.3,
        top_p: 0.9,
        max_tokens: 300,
        stop: ['\n\nHuman:', 'END'],
        tool_choice: 'required',
        tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }],
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hello' },
        ],
        stream: true,
      });
      for await (const _chunk of stream);
      expect(sent(upstream.requests.at(-1)!)).toMatchSnapshot();
    });
  });

  describe('parameters Anthropic cannot honour', () => {
    it('are a 400 naming the parameter and the provider, before any upstream call', async () => {
      const before = upstream.requests.length;
      const error = await client.chat.completions
        .create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hello' }], seed: 7 })
        .catch((caught) => caught);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error.code).toBe('unsupported_parameter');
      expect(error.param).toBe('seed');
      expect(error.message).toContain('Provider anthropic does not support the parameter');
      const presence = await client.chat.completions
        .create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hello' }], presence_penalty: 0.5, stream: true })
        .catch((caught) => caught);
      expect(presence).toMatchObject({ status: 400, param: 'presence_penalty' });
      expect(upstream.requests.length).toBe(before);
    });
  });
});

describe('Anthropic from ANTHROPIC_API_KEY alone (no config file)', () => {
  let upstream: ReplayUpstream;
  let switchyard: RunningSwitchyard;
  const saved = { key: process.env.ANTHROPIC_API_KEY, baseUrl: process.env.ANTHROPIC_BASE_URL };

  beforeAll(async () => {
    upstream = await startReplayUpstream();
    // As Anthropic's SDKs read it: a host without /v1. The key is read from the process environment when the adapter starts.
    process.env.ANTHROPIC_API_KEY = 'sk-ant-zero-config';
    process.env.ANTHROPIC_BASE_URL = upstream.origin;
    const { config, source } = loadConfig(undefined, { ANTHROPIC_API_KEY: 'sk-ant-zero-config', ANTHROPIC_BASE_URL: upstream.origin });
    expect(source).toBe('environment');
    switchyard = await startSwitchyard('embedded', config);
  });

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
    for (const [name, value] of [
      ['ANTHROPIC_API_KEY', saved.key],
      ['ANTHROPIC_BASE_URL', saved.baseUrl],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('serves claude-* models through the native adapter with the key from the environment', async () => {
    const recording = readFileSync(fixturePath(`${VERCEL}/anthropic-text.json`), 'utf8');
    upstream.enqueue({ body: recording });
    const client = new OpenAI({ baseURL: switchyard.baseURL, apiKey: switchyard.apiKey, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hello' }] });
    expect(completion.choices[0].message.content).toBe(readMessage(JSON.parse(recording)).text);
    const sent = upstream.requests.at(-1)!;
    expect(sent.url).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe('sk-ant-zero-config');
  });
});
