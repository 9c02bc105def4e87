import { readFileSync } from 'node:fs';
import Anthropic from '@anthropic-ai/sdk';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { startMockAnthropicUpstream, type MockAnthropicUpstream } from '../support/mock-anthropic-upstream';
import { fixturePath } from '../support/fixtures';
import { summarizeAnthropicStream, summarizeOpenAIStream } from '../support/recorded-stream';
import { waitFor } from '../support/wait-for';
import { startSwitchyard, type Mode, type RunningSwitchyard } from './switchyard-harness';

/**
 * `POST /v1/messages` end to end, with Anthropic's own SDK as the client:
 * against an OpenAI-format upstream (the request translated both ways) and
 * an Anthropic-format one, streaming and not, with tools, replaying recorded
 * provider traffic. What the client reads is compared with what the
 * recording itself holds, read independently of the gateway.
 */

const openAIRecordings = 'provider-responses/openai-python/.inline-snapshot/external';
const openAIText = fixturePath(openAIRecordings, 'e2aad469b71d1d4894ff833ea147020a9d875eb7ce644a0ff355581690a4cbfd.bin');
const openAIToolCall = fixturePath(openAIRecordings, '2018feb66ae13fcf5333d61b95849decc68d3f63bd38172889367e1afb1e04f7.bin');
const openAITextJson = fixturePath('provider-responses/vercel-ai/packages/openai/src/chat/__fixtures__/openai-text.json');
const openAIToolCallJson = fixturePath('provider-responses/vercel-ai/packages/openai-compatible/src/chat/__fixtures__/xai-tool-call.json');
const vercelAnthropic = 'provider-responses/vercel-ai/packages/anthropic/src/__fixtures__';
const anthropicToolStream = fixturePath('provider-responses/anthropic-sdk-python/tests/lib/streaming/fixtures/tool_use_response.txt');
const anthropicThinkingStream = fixturePath(vercelAnthropic, 'anthropic-clear-thinking.1.chunks.txt');
const anthropicToolJson = fixturePath(vercelAnthropic, 'anthropic-json-tool.1.json');
const anthropicThinkingJson = fixturePath(vercelAnthropic, 'anthropic-clear-thinking.1.json');

const readJson = (file: string): any => JSON.parse(readFileSync(file, 'utf8'));

/** An OpenAI chat completion's usage as Anthropic counts it: uncached input apart, output with reasoning (total − prompt). */
function openAIUsageAsAnthropic(usage: any): Record<string, number> {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    input_tokens: usage.prompt_tokens - cached,
    output_tokens: usage.total_tokens - usage.prompt_tokens,
    cache_read_input_tokens: cached,
    cache_creation_input_tokens: 0,
  };
}

const weatherTool: Anthropic.Tool = {
  name: 'get_weather',
  description: 'The weather in a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe.each<Mode>(['embedded', 'distributed'])('POST /v1/messages with the Anthropic SDK (%s mode)', (mode) => {
  let openAIUpstream: MockOpenAIUpstream;
  let anthropicUpstream: MockAnthropicUpstream;
  let switchyard: RunningSwitchyard;
  let client: Anthropic;

  beforeAll(async () => {
    process.env.E2E_OPENAI_KEY = 'sk-e2e-openai';
    process.env.E2E_ANTHROPIC_KEY = 'sk-ant-e2e';
    openAIUpstream = await startMockOpenAIUpstream();
    anthropicUpstream = await startMockAnthropicUpstream();
    switchyard = await startSwitchyard(mode, {
      providers: {
        openai: { kind: 'openai', baseUrl: openAIUpstream.baseUrl, apiKey: '${E2E_OPENAI_KEY}', models: ['gpt-4o-mini', 'gpt-4o'] },
        anthropic: { kind: 'anthropic', baseUrl: anthropicUpstream.baseUrl, apiKey: '${E2E_ANTHROPIC_KEY}', models: ['claude-*'] },
      },
      // One end user (metadata.user_id) limited to a request a minute: the route keeps the gateway's rate limits.
      governance: { rateLimits: [{ scope: 'user', match: 'limited-user', requestsPerMinute: 1 }] },
    });
    // The SDK sends its key as x-api-key, as Claude's tools do.
    client = new Anthropic({ baseURL: switchyard.origin, apiKey: switchyard.apiKey, maxRetries: 0 });
  }, 120_000);

  afterAll(async () => {
    await switchyard?.close();
    await openAIUpstream?.close();
    await anthropicUpstream?.close();
  });

  beforeEach(() => openAIUpstream.reset());

  describe('to an OpenAI-format upstream', () => {
    it('answers a message with the upstream text and usage, and records the request', async () => {
      openAIUpstream.enqueue({ kind: 'json-fixture', file: openAITextJson });
      const { data, response } = await client.messages
        .create(
          {
            model: 'gpt-4o-mini',
            max_tokens: 500,
            system: 'You invent holidays.',
            messages: [{ role: 'user', content: 'Invent a holiday.' }],
            stop_sequences: ['THE END'],
            metadata: { user_id: 'user-42' },
          },
          { headers: { 'x-request-id': `messages-text-${mode}` } },
        )
        .withResponse();
      const recorded = readJson(openAITextJson);
      expect(data).toMatchObject({
        id: recorded.id,
        type: 'message',
        role: 'assistant',
        model: recorded.model,
        content: [{ type: 'text', text: recorded.choices[0].message.content }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: openAIUsageAsAnthropic(recorded.usage),
      });
      expect(response.headers.get('request-id')).toBe(`messages-text-${mode}`);
      expect(response.headers.get('x-switchyard-provider')).toBe('openai');
      expect(openAIUpstream.requests[0].headers.authorization).toBe('Bearer sk-e2e-openai');
      expect(openAIUpstream.requests[0].body).toMatchObject({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'You invent holidays.' },
          { role: 'user', content: 'Invent a holiday.' },
        ],
        stop: ['THE END'],
        user: 'user-42',
      });
      const record = await recordOf(`messages-text-${mode}`);
      expect(record).toMatchObject({
        operation: 'chat.completion',
        http_status: 200,
        provider: 'openai',
        requested_model: 'gpt-4o-mini',
        user: 'user-42',
        streamed: false,
        usage: { input_tokens: recorded.usage.prompt_tokens, output_tokens: recorded.usage.completion_tokens },
      });
    });

    it('answers a tool call as a tool_use block with the recorded arguments', async () => {
      openAIUpstream.enqueue({ kind: 'json-fixture', file: openAIToolCallJson });
      const message = await client.messages.create({
        model: 'gpt-4o-mini',
        max_tokens: 500,
        messages: [{ role: 'user', content: 'Weather in San Francisco?' }],
        tools: [weatherTool],
        tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      });
      const recorded = readJson(openAIToolCallJson);
      const call = recorded.choices[0].message.tool_calls[0];
      const toolUses = message.content.filter((block) => block.type === 'tool_use');
      expect(toolUses).toEqual([{ type: 'tool_use', id: call.id, name: call.function.name, input: JSON.parse(call.function.arguments) }]);
      // xAI's reasoning_content, unsigned, comes first as a thinking block.
      expect(message.content[0]).toEqual({ type: 'thinking', thinking: recorded.choices[0].message.reasoning_content, signature: '' });
      expect(message.stop_reason).toBe('tool_use');
      expect(message.usage).toMatchObject(openAIUsageAsAnthropic(recorded.usage));
      expect(openAIUpstream.requests[0].body).toMatchObject({
        tools: [{ type: 'function', function: { name: 'get_weather', description: weatherTool.description, parameters: weatherTool.input_schema } }],
        tool_choice: 'auto',
        parallel_tool_calls: false,
      });
    });

    it('streams text as Anthropic events, with the recorded text and usage', async () => {
      openAIUpstream.enqueue({ kind: 'stream-fixture', file: openAIText });
      const stream = client.messages.stream({ model: 'gpt-4o-mini', max_tokens: 500, messages: [{ role: 'user', content: 'Hi' }] });
      const eventTypes: string[] = [];
      stream.on('streamEvent', (event) => eventTypes.push(event.type));
      const message = await stream.finalMessage();
      const expected = summarizeOpenAIStream(openAIText);
      expect(message.content).toEqual([{ type: 'text', text: expected.text }]);
      expect(message.stop_reason).toBe('end_turn');
      expect(message.usage).toMatchObject({ input_tokens: expected.usage!.input, output_tokens: expected.usage!.output });
      expect(eventTypes.slice(0, 3)).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
      expect(eventTypes.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
      // Usage is asked for upstream, so the message_delta can carry it.
      expect(openAIUpstream.requests[0].body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    });

    it('frames every event as Anthropic does: its type as the SSE event name', async () => {
      openAIUpstream.enqueue({ kind: 'stream-fixture', file: openAIText });
      const response = await fetch(`${switchyard.origin}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': switchyard.apiKey! },
        body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
      });
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      const frames = (await response.text()).split('\n\n').filter((frame) => frame !== '');
      const events = frames.map((frame) => {
        const [eventLine, dataLine, ...rest] = frame.split('\n');
        expect(rest).toEqual([]);
        const data = JSON.parse(dataLine.replace(/^data: /, ''));
        expect(eventLine).toBe(`event: ${data.type}`);
        return data;
      });
      const types = events.map((event) => event.type);
      expect(types.slice(0, 4)).toEqual(['message_start', 'ping', 'content_block_start', 'content_block_delta']);
      expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
      expect(events[0].message).toMatchObject({ type: 'message', role: 'assistant', content: [], stop_reason: null });
      const expected = summarizeOpenAIStream(openAIText);
      expect(events.at(-2)).toEqual({
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: {
          input_tokens: expected.usage!.input,
          output_tokens: expected.usage!.output,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
      });
    });

    it('streams a tool call as input_json_delta events that rebuild the recorded arguments', async () => {
      openAIUpstream.enqueue({ kind: 'stream-fixture', file: openAIToolCall });
      const stream = client.messages.stream({
        model: 'gpt-4o',
        max_tokens: 500,
        messages: [{ role: 'user', content: 'Weather in Edinburgh?' }],
        tools: [weatherTool],
      });
      let partialJson = '';
      stream.on('streamEvent', (event) => {
        if (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta') partialJson += event.delta.partial_json;
      });
      const message = await stream.finalMessage();
      const expected = summarizeOpenAIStream(openAIToolCall);
      const toolUse = message.content.find((block) => block.type === 'tool_use');
      expect(toolUse).toMatchObject({ name: expected.toolCalls[0].name, input: JSON.parse(expected.toolCalls[0].arguments) });
      expect(partialJson).toBe(expected.toolCalls[0].arguments);
      expect(message.stop_reason).toBe('tool_use');
    });

    it('sends a tool round trip with images upstream in OpenAI form', async () => {
      openAIUpstream.enqueue({ kind: 'json-fixture', file: openAITextJson });
      // Sampling parameters Claude's tools still send, which this SDK's types no longer list.
      const sampling = { temperature: 0.5, top_p: 0.9 };
      await client.messages.create({
        ...sampling,
        model: 'gpt-4o-mini',
        max_tokens: 300,
        tools: [weatherTool],
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Weather where this photo was taken?' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/street.jpg' } },
            ],
          },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'Checking Edinburgh.' },
              { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Edinburgh' } },
            ],
          },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '12°C, drizzle' }] },
        ],
      });
      expect(openAIUpstream.requests[0].body).toMatchObject({
        temperature: 0.5,
        top_p: 0.9,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Weather where this photo was taken?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
              { type: 'image_url', image_url: { url: 'https://example.com/street.jpg' } },
            ],
          },
          {
            role: 'assistant',
            content: 'Checking Edinburgh.',
            tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Edinburgh"}' } }],
          },
          { role: 'tool', tool_call_id: 'toolu_1', content: '12°C, drizzle' },
        ],
      });
    });
  });

  describe('to an Anthropic-format upstream', () => {
    it('answers a tool call with the recorded input and usage', async () => {
      anthropicUpstream.enqueue({ kind: 'json-fixture', file: anthropicToolJson });
      const message = await client.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 1000,
        messages: [{ role: 'user', content: 'The weather in four cities, as JSON.' }],
        tools: [{ name: 'json', description: 'Respond with JSON.', input_schema: { type: 'object' } }],
        tool_choice: { type: 'tool', name: 'json' },
      });
      const recorded = readJson(anthropicToolJson);
      expect(message.content).toEqual(recorded.content.map(({ caller, ...block }: any) => block));
      expect(message.stop_reason).toBe('tool_use');
      expect(message.usage).toMatchObject({
        input_tokens: recorded.usage.input_tokens,
        output_tokens: recorded.usage.output_tokens,
        cache_read_input_tokens: recorded.usage.cache_read_input_tokens ?? 0,
      });
      expect(anthropicUpstream.requests.at(-1)!.headers['x-api-key']).toBe('sk-ant-e2e');
      expect(anthropicUpstream.requests.at(-1)!.body).toMatchObject({
        model: 'claude-haiku-4-5',
        max_tokens: 1000,
        tools: [{ name: 'json', description: 'Respond with JSON.', input_schema: { type: 'object' } }],
        tool_choice: { type: 'tool', name: 'json' },
      });
    });

    it('answers thinking with the recorded reasoning and text', async () => {
      anthropicUpstream.enqueue({ kind: 'json-fixture', file: anthropicThinkingJson });
      const message = await client.messages.create({
        model: 'claude-sonnet-4-6',
        max_tokens: 2000,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        messages: [{ role: 'user', content: 'What is 925 / 5?' }],
      });
      const recorded = readJson(anthropicThinkingJson);
      const thinking = message.content.find((block) => block.type === 'thinking');
      expect(thinking).toEqual({ type: 'thinking', thinking: recorded.content[0].thinking, signature: recorded.content[0].signature });
      expect(message.content.filter((block) => block.type === 'text')).toEqual([{ type: 'text', text: recorded.content[1].text }]);
      expect(message.usage).toMatchObject({ input_tokens: recorded.usage.input_tokens, output_tokens: recorded.usage.output_tokens });
      expect(anthropicUpstream.requests.at(-1)!.body.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
    });

    it('streams text and a tool call that rebuild what the recording holds', async () => {
      anthropicUpstream.enqueue({ kind: 'stream-fixture', file: anthropicToolStream });
      const message = await client.messages
        .stream({ model: 'claude-sonnet-4', max_tokens: 1000, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [weatherTool] })
        .finalMessage();
      const expected = summarizeAnthropicStream(anthropicToolStream);
      const text = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
      const toolUses = message.content.flatMap((block) => (block.type === 'tool_use' ? [block] : []));
      expect(text).toBe(expected.text);
      expect(toolUses.map((block) => ({ name: block.name, input: block.input }))).toEqual(
        expected.toolCalls.map((call) => ({ name: call.name, input: JSON.parse(call.arguments) })),
      );
      expect(message.stop_reason).toBe('tool_use');
      expect(message.usage).toMatchObject({ input_tokens: expected.usage!.input, output_tokens: expected.usage!.output });
    });

    it('streams thinking as thinking_delta events with the recorded reasoning', async () => {
      anthropicUpstream.enqueue({ kind: 'stream-fixture', file: anthropicThinkingStream });
      const message = await client.messages
        .stream({
          model: 'claude-sonnet-4-6',
          max_tokens: 2000,
          thinking: { type: 'enabled', budget_tokens: 1024 },
          messages: [{ role: 'user', content: 'x' }],
        })
        .finalMessage();
      const expected = summarizeAnthropicStream(anthropicThinkingStream);
      const thinking = message.content.flatMap((block) => (block.type === 'thinking' ? [block.thinking] : [])).join('');
      const text = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
      expect(thinking).toBe(expected.reasoning);
      expect(text).toBe(expected.text);
      // The signature Anthropic sent, whole, on the thinking block a client sends back.
      const recordedSignature = readFileSync(anthropicThinkingStream, 'utf8')
        .split('\n')
        .filter((line) => line.includes('"signature_delta"'))
        .map((line) => JSON.parse(line).delta.signature as string)
        .join('');
      expect(recordedSignature).not.toBe('');
      expect(message.content.filter((block) => block.type === 'thinking').map((block) => block.signature)).toEqual([recordedSignature]);
      expect(message.usage).toMatchObject({ input_tokens: expected.usage!.input, output_tokens: expected.usage!.output });
    });

    it('ends a stream whose upstream fails mid-way with an Anthropic error event', async () => {
      anthropicUpstream.enqueue({
        kind: 'stream-fixture',
        file: anthropicToolStream,
        eventLimit: 5,
        append: 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
      });
      const stream = client.messages.stream({ model: 'claude-sonnet-4', max_tokens: 100, messages: [{ role: 'user', content: 'x' }] });
      const error = await stream.finalMessage().then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(Anthropic.APIError);
      expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
        type: 'error',
        error: { type: 'overloaded_error', message: expect.stringContaining('Overloaded') },
      });
    });
  });

  describe('errors, in Anthropic’s shape', () => {
    async function post(
      body: unknown,
      headers: Record<string, string> = { 'x-api-key': switchyard.apiKey! },
    ): Promise<{ status: number; body: any }> {
      const response = await fetch(`${switchyard.origin}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    }

    it('refuses a body without max_tokens, naming it, as the SDK reads it', async () => {
      const error = await client.messages
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] } as unknown as Anthropic.MessageCreateParamsNonStreaming)
        .then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toEqual({
        type: 'error',
        error: { type: 'invalid_request_error', message: "Missing required parameter: 'max_tokens'." },
        request_id: expect.any(String),
      });
      expect(openAIUpstream.requests).toHaveLength(0);
    });

    it('answers an unknown model 404 not_found_error and an unknown credential 401 authentication_error', async () => {
      const unknownModel = await post({ model: 'no-such-model', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
      expect(unknownModel).toEqual({
        status: 404,
        body: { type: 'error', error: { type: 'not_found_error', message: expect.any(String) }, request_id: expect.any(String) },
      });
      const unknownKey = await post(
        { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] },
        { 'x-api-key': 'sk-sy-not-a-key-000000000000' },
      );
      expect(unknownKey).toEqual({
        status: 401,
        body: { type: 'error', error: { type: 'authentication_error', message: expect.any(String) }, request_id: expect.any(String) },
      });
      expect(JSON.stringify(unknownKey.body)).not.toContain('not-a-key');
    });

    it('accepts the key as Authorization: Bearer too', async () => {
      openAIUpstream.enqueue({ kind: 'json-fixture', file: openAITextJson });
      const bearer = new Anthropic({ baseURL: switchyard.origin, authToken: switchyard.apiKey, apiKey: null, maxRetries: 0 });
      const message = await bearer.messages.create({ model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
      expect(message.type).toBe('message');
    });

    it('answers an upstream rate limit 429 rate_limit_error', async () => {
      openAIUpstream.enqueue({
        kind: 'error',
        status: 429,
        body: { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
        headers: { 'retry-after': '7' },
      });
      const answer = await post({ model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
      expect(answer).toMatchObject({ status: 429, body: { type: 'error', error: { type: 'rate_limit_error' } } });
    });

    it("holds an end user's rate limit, answering 429 rate_limit_error before any upstream call", async () => {
      openAIUpstream.enqueue({ kind: 'json-fixture', file: openAITextJson });
      const body = { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'x' }], metadata: { user_id: 'limited-user' } };
      expect((await post(body)).status).toBe(200);
      const limited = await post(body);
      expect(limited).toMatchObject({ status: 429, body: { type: 'error', error: { type: 'rate_limit_error' } } });
      expect(openAIUpstream.requests).toHaveLength(1);
    });

    it('refuses a drop-unsupported-params header that is neither true nor false, naming it', async () => {
      const answer = await post(
        { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] },
        { 'x-api-key': switchyard.apiKey!, 'x-switchyard-drop-unsupported-params': 'maybe' },
      );
      expect(answer).toMatchObject({
        status: 400,
        body: { type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('x-switchyard-drop-unsupported-params') } },
      });
      expect(openAIUpstream.requests).toHaveLength(0);
    });

    it("passes Anthropic's own fields it does not model to an Anthropic upstream as they are", async () => {
      anthropicUpstream.enqueue({ kind: 'json-fixture', file: anthropicToolJson });
      const contextManagement = { edits: [{ type: 'clear_tool_uses_20250919' }] };
      const answer = await post({
        model: 'claude-haiku-4-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x' }],
        service_tier: 'standard_only',
        context_management: contextManagement,
      });
      expect(answer.status).toBe(200);
      expect(anthropicUpstream.requests.at(-1)!.body).toMatchObject({ service_tier: 'standard_only', context_management: contextManagement });
    });

    it("refuses Anthropic's own fields to an OpenAI-format upstream by name, or drops them when asked to", async () => {
      const body = { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'x' }], context_management: { edits: [] } };
      const refused = await post(body);
      expect(refused).toMatchObject({
        status: 400,
        body: { type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining("'context_management'") } },
      });
      expect(openAIUpstream.requests).toHaveLength(0);

      openAIUpstream.enqueue({ kind: 'json-fixture', file: openAITextJson });
      const response = await fetch(`${switchyard.origin}/v1/messages`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': switchyard.apiKey!,
          'x-switchyard-drop-unsupported-params': 'true',
        },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-switchyard-dropped-params')).toBe('context_management');
      expect(openAIUpstream.requests.at(-1)!.body).not.toHaveProperty('context_management');
    });

    it('refuses a server tool it cannot run anywhere, naming it', async () => {
      const answer = await post({
        model: 'gpt-4o-mini',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'x' }],
        tools: [{ type: 'web_search_20250305', name: 'web_search' }],
      });
      expect(answer).toMatchObject({
        status: 400,
        body: { type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining("'tools[0].type'") } },
      });
      expect(openAIUpstream.requests).toHaveLength(0);
    });
  });

  /** The request's record, once the gateway has written it. */
  async function recordOf(requestId: string): Promise<any> {
    const found = await waitFor(
      async () => {
        const response = await fetch(`${switchyard.origin}/v1/requests/${requestId}`, { headers: switchyard.headers() });
        return { status: response.status, body: await response.json() };
      },
      (answer) => answer.status === 200,
      { timeoutMs: 15_000, what: `the record of ${requestId}` },
    );
    return found.body;
  }
});
