import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { fixturePath } from '../support/fixtures';
import { startReplayUpstream, type ReplayUpstream } from '../support/replay-upstream';
import { waitFor } from '../support/wait-for';
import { startSwitchyard, type Mode, type RunningSwitchyard } from './switchyard-harness';

/**
 * OpenAI's Responses API in front of every provider, driven by the official
 * `openai` SDK (`client.responses.create` and `.stream`): translated to an
 * OpenAI-chat upstream and to an Anthropic upstream, passed through to a
 * Responses-native one; stored state (`previous_response_id`, GET, DELETE,
 * input items) scoped to the caller's workspace — in one process (the
 * embedded database) and distributed (the adapter service over gRPC,
 * Postgres). Upstreams are real HTTP servers answering with recorded
 * provider traffic in its exact wire format.
 */

const vercel = 'provider-responses/vercel-ai/packages';
const read = (...segments: string[]) => readFileSync(fixturePath(vercel, ...segments), 'utf8');
const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

/** OpenAI chat recordings: a whole completion, a stream (one chunk a line), a whole tool call (xAI's, in OpenAI's format). */
const chatText = read('openai/src/chat/__fixtures__/openai-text.json');
const chatChunks = lines(read('openai/src/chat/__fixtures__/openai-text.chunks.txt'));
const chatToolCall = read('xai/src/__fixtures__/xai-tool-call.json');
const chatStream = [...chatChunks.map((line) => `data: ${line}\n\n`), 'data: [DONE]\n\n'];
/** The recorded stream as one whole completion: the same answer unstreamed, to compare the two ways of receiving it. */
const chatStreamAsJson = (() => {
  const chunks = chatChunks.map((line) => JSON.parse(line));
  const content = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('');
  const usage = chunks.find((chunk) => chunk.usage)?.usage;
  const { id, created, model } = chunks[0];
  return JSON.stringify({
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage,
  });
})();

/** Anthropic recordings. */
const anthropicText = read('anthropic/src/__fixtures__/anthropic-text.json');
const anthropicTool = read('anthropic/src/__fixtures__/anthropic-tool-no-args.json');
const anthropicChunks = lines(read('anthropic/src/__fixtures__/anthropic-text.chunks.txt'));
const anthropicStream = anthropicChunks.map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`);

/** Responses API recordings (OpenAI's and xAI's), replayed by the native upstream. */
const responsesFixtures = {
  openaiJson: read('openai/src/responses/__fixtures__/openai-phase.1.json'),
  openaiStream: read('openai/src/responses/__fixtures__/openai-reasoning-encrypted-content.1.chunks.txt'),
  xaiStream: read('xai/src/responses/__fixtures__/xai-text-with-reasoning-streaming.1.chunks.txt'),
  xaiTextStream: read('xai/src/responses/__fixtures__/xai-text-streaming.1.chunks.txt'),
  xaiJson: read('xai/src/responses/__fixtures__/xai-web-search-tool.1.json'),
};
/** A recorded Responses stream framed as the API sends it: each event named by its type. */
const responsesFrames = (text: string) => lines(text).map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`);

const json = (body: string) => ({ headers: { 'content-type': 'application/json' }, body });
const sse = (frames: string[]) => ({ headers: { 'content-type': 'text/event-stream' }, body: frames });

const WEATHER_TOOL = {
  type: 'function' as const,
  name: 'weather',
  description: 'The weather at a place.',
  parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'], additionalProperties: false },
  strict: true,
};

/**
 * A response as it came over the wire, without what differs between two
 * answers to the same thing (ids, times) and what the SDK derives itself
 * (`output_text`, `output_parsed`, a part's `parsed`).
 */
function comparable(response: any): unknown {
  const { id: _id, created_at: _created, output_text: _text, output_parsed: _parsed, ...rest } = response;
  return {
    ...rest,
    output: response.output.map(({ id: _itemId, ...item }: any) =>
      item.type === 'message' ? { ...item, content: item.content.map(({ parsed: _part, ...part }: any) => part) } : item,
    ),
  };
}

/** The text of a response's messages (the SDK's `output_text`, which its stream helpers leave out). */
function outputText(response: { output: any[] }): string {
  return response.output
    .filter((item) => item.type === 'message')
    .flatMap((item) => item.content)
    .map((part: any) => (part.type === 'output_text' ? part.text : ''))
    .join('');
}

describe.each<Mode>(['embedded', 'distributed'])('the Responses API (%s mode)', (mode) => {
  const otherWorkspace = `responses-other-${randomBytes(4).toString('hex')}`;
  let chat: ReplayUpstream;
  let anthropic: ReplayUpstream;
  let native: ReplayUpstream;
  let azure: ReplayUpstream;
  let switchyard: RunningSwitchyard;
  let client: OpenAI;
  let otherWorkspaceKey: string;

  beforeAll(async () => {
    process.env.RESPONSES_OPENAI_KEY = 'sk-responses-openai';
    process.env.RESPONSES_ANTHROPIC_KEY = 'sk-ant-responses';
    process.env.RESPONSES_AZURE_KEY = 'azure-responses-key';
    [chat, anthropic, native, azure] = await Promise.all([
      startReplayUpstream(),
      startReplayUpstream(),
      startReplayUpstream(),
      startReplayUpstream(),
    ]);
    switchyard = await startSwitchyard(mode, {
      providers: {
        chat: { kind: 'openai', baseUrl: `${chat.origin}/v1`, apiKey: '${RESPONSES_OPENAI_KEY}', models: ['gpt-4.1-nano'] },
        claude: { kind: 'anthropic', baseUrl: `${anthropic.origin}/v1`, apiKey: '${RESPONSES_ANTHROPIC_KEY}', models: ['claude-*'] },
        native: {
          kind: 'openai',
          baseUrl: `${native.origin}/v1`,
          apiKey: '${RESPONSES_OPENAI_KEY}',
          responsesApi: true,
          models: ['gpt-5*', 'grok-*'],
        },
        azure: {
          kind: 'azure',
          baseUrl: azure.origin,
          apiKey: '${RESPONSES_AZURE_KEY}',
          deployments: { 'o4-mini-azure': 'o4-mini-prod' },
          models: ['o4-mini-azure'],
        },
      },
    });
    client = new OpenAI({ baseURL: switchyard.baseURL, apiKey: switchyard.apiKey!, maxRetries: 0 });
    const admin = async (path: string, body: unknown) => {
      const response = await fetch(`${switchyard.origin}/admin/v1/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${switchyard.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(201);
      return (await response.json()) as { key: string };
    };
    await admin('workspaces', { id: otherWorkspace, organization: 'default' });
    otherWorkspaceKey = (await admin('keys', { workspace: otherWorkspace, name: 'other' })).key;
  }, 120_000);

  afterAll(async () => {
    await switchyard?.close();
    await Promise.all([chat?.close(), anthropic?.close(), native?.close(), azure?.close()]);
  });

  describe('translated to an OpenAI-chat upstream', () => {
    it('answers text, sending instructions and input as chat messages, and records the request as operation responses', async () => {
      chat.enqueue(json(chatText));
      const response = await client.responses.create({
        model: 'gpt-4.1-nano',
        instructions: 'Answer in one paragraph.',
        input: 'Invent a holiday.',
        max_output_tokens: 500,
        temperature: 0.3,
        user: 'dana',
        metadata: { run: 'e2e' },
      });
      const recorded = JSON.parse(chatText);
      expect(response).toMatchObject({
        object: 'response',
        status: 'completed',
        model: recorded.model,
        instructions: 'Answer in one paragraph.',
        max_output_tokens: 500,
        metadata: { run: 'e2e' },
        store: true,
        usage: {
          input_tokens: 16,
          output_tokens: 363,
          total_tokens: 379,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens_details: { reasoning_tokens: 0 },
        },
      });
      expect(response.id).toMatch(/^resp_/);
      expect(response.output_text).toBe(recorded.choices[0].message.content);
      const sent = chat.requests.at(-1)!;
      expect(sent.url).toBe('/v1/chat/completions');
      expect(sent.json).toMatchObject({
        model: 'gpt-4.1-nano',
        messages: [
          { role: 'system', content: 'Answer in one paragraph.' },
          { role: 'user', content: 'Invent a holiday.' },
        ],
        temperature: 0.3,
        user: 'dana',
      });
      const requestId = (response as unknown as { _request_id: string })._request_id;
      const record = await waitFor(
        () => fetch(`${switchyard.origin}/v1/requests/${requestId}`, { headers: switchyard.headers() }),
        (answer) => answer.status === 200,
        { timeoutMs: 60_000, what: `the record of ${requestId}` },
      );
      expect(await record.json()).toMatchObject({ id: requestId, operation: 'responses', user: 'dana', status: 'succeeded' });
    }, 90_000);

    it('streams the typed events the SDK expects, and its final response equals the unstreamed one', async () => {
      chat.enqueue(sse(chatStream));
      const stream = client.responses.stream({ model: 'gpt-4.1-nano', input: 'Invent a holiday.' });
      const types: string[] = [];
      let deltas = '';
      stream.on('event', (event) => types.push(event.type));
      stream.on('response.output_text.delta', (event) => (deltas += event.delta));
      const streamed = await stream.finalResponse();
      expect(types.slice(0, 4)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
      expect(types.slice(-4)).toEqual(['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
      expect(chat.requests.at(-1)!.json).toMatchObject({ stream: true, stream_options: { include_usage: true } });

      chat.enqueue(json(chatStreamAsJson));
      const whole = await client.responses.create({ model: 'gpt-4.1-nano', input: 'Invent a holiday.' });
      expect(deltas).toBe(whole.output_text);
      expect(outputText(streamed)).toBe(deltas);
      expect(comparable(streamed)).toEqual(comparable(whole));
    });

    it('runs a function-tool round trip: the call, then its output chained by previous_response_id', async () => {
      chat.enqueue(json(chatToolCall));
      const first = await client.responses.create({
        model: 'gpt-4.1-nano',
        input: 'Weather in San Francisco?',
        tools: [WEATHER_TOOL],
        tool_choice: 'auto',
      });
      const call = first.output.find((item) => item.type === 'function_call');
      expect(call).toMatchObject({ type: 'function_call', call_id: 'call_93562515', name: 'weather', arguments: '{"location":"San Francisco"}' });
      expect(chat.requests.at(-1)!.json).toMatchObject({
        tools: [{ type: 'function', function: { name: 'weather', parameters: WEATHER_TOOL.parameters, strict: true } }],
        tool_choice: 'auto',
      });

      chat.enqueue(json(chatText));
      const second = await client.responses.create({
        model: 'gpt-4.1-nano',
        previous_response_id: first.id,
        input: [{ type: 'function_call_output', call_id: 'call_93562515', output: '{"temperature":18}' }],
        tools: [WEATHER_TOOL],
      });
      expect(second.previous_response_id).toBe(first.id);
      expect(chat.requests.at(-1)!.json.messages).toEqual([
        { role: 'user', content: 'Weather in San Francisco?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_93562515', type: 'function', function: { name: 'weather', arguments: '{"location":"San Francisco"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_93562515', content: '{"temperature":18}' },
      ]);
    });

    it("asks for JSON-schema output and returns the model's JSON", async () => {
      const answer = JSON.parse(chatText);
      answer.choices[0].message.content = '{"name":"Galaxy Day","month":10}';
      chat.enqueue(json(JSON.stringify(answer)));
      const schema = {
        type: 'object',
        properties: { name: { type: 'string' }, month: { type: 'integer' } },
        required: ['name', 'month'],
        additionalProperties: false,
      };
      const response = await client.responses.create({
        model: 'gpt-4.1-nano',
        input: 'Invent a holiday.',
        text: { format: { type: 'json_schema', name: 'holiday', schema, strict: true } },
      });
      expect(JSON.parse(response.output_text)).toEqual({ name: 'Galaxy Day', month: 10 });
      expect(response.text).toEqual({ format: { type: 'json_schema', name: 'holiday', schema, strict: true } });
      expect(chat.requests.at(-1)!.json.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'holiday', schema, strict: true } });
    });

    it('holds a three-turn conversation through previous_response_id, replaying the stored items', async () => {
      const reply = (text: string) => {
        const answer = JSON.parse(chatText);
        answer.choices[0].message.content = text;
        return json(JSON.stringify(answer));
      };
      chat.enqueue(reply('First answer.'));
      const one = await client.responses.create({ model: 'gpt-4.1-nano', instructions: 'Be brief.', input: 'One?' });
      chat.enqueue(reply('Second answer.'));
      const two = await client.responses.create({ model: 'gpt-4.1-nano', previous_response_id: one.id, input: 'Two?' });
      chat.enqueue(reply('Third answer.'));
      const three = await client.responses.create({ model: 'gpt-4.1-nano', previous_response_id: two.id, input: 'Three?' });
      expect(three.output_text).toBe('Third answer.');
      // Instructions belong to the request that gave them: they are not carried into the next turn.
      expect(chat.requests.at(-1)!.json.messages).toEqual([
        { role: 'user', content: 'One?' },
        { role: 'assistant', content: 'First answer.' },
        { role: 'user', content: 'Two?' },
        { role: 'assistant', content: 'Second answer.' },
        { role: 'user', content: 'Three?' },
      ]);

      expect(await client.responses.retrieve(three.id)).toEqual(three);
      const items = await client.responses.inputItems.list(three.id);
      expect(items.data).toEqual([expect.objectContaining({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Three?' }] })]);
    });

    it('keeps stored responses to their workspace: another workspace gets 404, and cannot chain on them', async () => {
      chat.enqueue(json(chatText));
      const mine = await client.responses.create({ model: 'gpt-4.1-nano', input: 'Mine.' });
      const other = new OpenAI({ baseURL: switchyard.baseURL, apiKey: otherWorkspaceKey, maxRetries: 0 });
      await expect(other.responses.retrieve(mine.id)).rejects.toMatchObject({ status: 404, code: 'response_not_found' });
      await expect(other.responses.inputItems.list(mine.id)).rejects.toMatchObject({ status: 404 });
      await expect(other.responses.delete(mine.id)).rejects.toMatchObject({ status: 404 });
      const requestsBefore = chat.requests.length;
      await expect(other.responses.create({ model: 'gpt-4.1-nano', previous_response_id: mine.id, input: 'Theirs.' })).rejects.toMatchObject({
        status: 404,
        code: 'previous_response_not_found',
        param: 'previous_response_id',
      });
      expect(chat.requests.length).toBe(requestsBefore);
      expect((await client.responses.retrieve(mine.id)).id).toBe(mine.id);
    });

    it('deletes a response, which can then be neither read nor chained', async () => {
      chat.enqueue(json(chatText));
      const response = await client.responses.create({ model: 'gpt-4.1-nano', input: 'Forget me.' });
      await client.responses.delete(response.id);
      await expect(client.responses.retrieve(response.id)).rejects.toMatchObject({ status: 404 });
      await expect(client.responses.create({ model: 'gpt-4.1-nano', previous_response_id: response.id, input: 'Again.' })).rejects.toMatchObject({
        status: 404,
        code: 'previous_response_not_found',
      });
    });

    it("deletes an end user's stored responses with the rest of their data", async () => {
      chat.enqueue(json(chatText));
      const user = `gail-${randomBytes(4).toString('hex')}`;
      const response = await client.responses.create({ model: 'gpt-4.1-nano', input: 'Remember me.', user });
      const deleted = await fetch(`${switchyard.origin}/v1/users/${user}/data`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${switchyard.adminToken}` },
      });
      expect({ status: deleted.status, body: await deleted.json() }).toMatchObject({ status: 200 });
      await expect(client.responses.retrieve(response.id)).rejects.toMatchObject({ status: 404 });
    });

    it('does not store a response asked not to be', async () => {
      chat.enqueue(json(chatText));
      const response = await client.responses.create({ model: 'gpt-4.1-nano', input: 'Ephemeral.', store: false });
      expect((response as unknown as { store: boolean }).store).toBe(false);
      await expect(client.responses.retrieve(response.id)).rejects.toMatchObject({ status: 404 });
    });

    it('refuses, naming it, what only a Responses-native upstream could honour', async () => {
      const requestsBefore = chat.requests.length;
      await expect(
        client.responses.create({ model: 'gpt-4.1-nano', input: 'Search the web.', tools: [{ type: 'web_search' } as never] }),
      ).rejects.toMatchObject({ status: 400, param: 'tools[0].type', code: 'unsupported_parameter' });
      await expect(client.responses.create({ model: 'gpt-4.1-nano', input: 'Hi', truncation: 'auto' })).rejects.toMatchObject({
        status: 400,
        param: 'truncation',
        code: 'unsupported_parameter',
      });
      await expect(client.responses.create({ model: 'gpt-4.1-nano', input: 42 as never })).rejects.toMatchObject({ status: 400, param: 'input' });
      expect(chat.requests.length).toBe(requestsBefore);
    });
  });

  describe('translated to an Anthropic upstream', () => {
    it('answers text through the Messages API', async () => {
      anthropic.enqueue(json(anthropicText));
      const response = await client.responses.create({ model: 'claude-3-haiku', instructions: 'Be brief.', input: 'Hello', max_output_tokens: 256 });
      const recorded = JSON.parse(anthropicText);
      expect(response.output_text).toBe(recorded.content.map((block: { text?: string }) => block.text ?? '').join(''));
      expect(response.usage).toMatchObject({ output_tokens: recorded.usage.output_tokens });
      const sent = anthropic.requests.at(-1)!;
      expect(sent.url).toBe('/v1/messages');
      expect(sent.json).toMatchObject({ model: 'claude-3-haiku', system: 'Be brief.', max_tokens: 256, messages: [{ role: 'user' }] });
    });

    it('streams, the final response holding the recorded text', async () => {
      anthropic.enqueue(sse(anthropicStream));
      const stream = client.responses.stream({ model: 'claude-3-haiku', input: 'Hello', max_output_tokens: 256 });
      const final = await stream.finalResponse();
      const text = anthropicChunks
        .map((line) => JSON.parse(line))
        .filter((event) => event.type === 'content_block_delta' && event.delta.type === 'text_delta')
        .map((event) => event.delta.text)
        .join('');
      expect(outputText(final)).toBe(text);
      expect(final.status).toBe('completed');
    });

    it('runs a function-tool round trip as tool_use and tool_result blocks', async () => {
      anthropic.enqueue(json(anthropicTool));
      const tool = { ...WEATHER_TOOL, name: 'updateIssueList', parameters: { type: 'object', properties: {} }, strict: false };
      const first = await client.responses.create({ model: 'claude-3-opus', input: 'Update the issues.', tools: [tool], max_output_tokens: 256 });
      expect(first.output.find((item) => item.type === 'function_call')).toMatchObject({
        call_id: 'toolu_01LRmxn9vGM1d2DZSDBowdZ1',
        name: 'updateIssueList',
        arguments: '{}',
      });
      anthropic.enqueue(json(anthropicText));
      await client.responses.create({
        model: 'claude-3-opus',
        previous_response_id: first.id,
        input: [{ type: 'function_call_output', call_id: 'toolu_01LRmxn9vGM1d2DZSDBowdZ1', output: 'done' }],
        tools: [tool],
        max_output_tokens: 256,
      });
      const messages = anthropic.requests.at(-1)!.json.messages;
      expect(messages[1]).toMatchObject({
        role: 'assistant',
        content: expect.arrayContaining([{ type: 'tool_use', id: 'toolu_01LRmxn9vGM1d2DZSDBowdZ1', name: 'updateIssueList', input: {} }]),
      });
      expect(messages[2]).toMatchObject({
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_01LRmxn9vGM1d2DZSDBowdZ1', content: 'done' }],
      });
    });
  });

  describe('passed through to a Responses-native upstream', () => {
    it.each([
      ['OpenAI', responsesFixtures.openaiStream, 'gpt-5-mini'],
      ['xAI', responsesFixtures.xaiStream, 'grok-4'],
      ['xAI text', responsesFixtures.xaiTextStream, 'grok-4'],
    ])('replays the recorded %s stream to the SDK intact', async (_name, recording, model) => {
      native.enqueue(sse(responsesFrames(recording)));
      const body = {
        model,
        input: 'Tell me a joke.',
        reasoning: { effort: 'low' as const },
        include: ['reasoning.encrypted_content' as const],
        stream: true as const,
      };
      const stream = await client.responses.create(body);
      const received: unknown[] = [];
      for await (const event of stream) received.push(event);
      expect(received).toEqual(lines(recording).map((line) => JSON.parse(line)));
      const sent = native.requests.at(-1)!;
      expect(sent.url).toBe('/v1/responses');
      expect(sent.json).toEqual(body);
    });

    it("passes through to Azure OpenAI's v1 Responses API, the deployment in the body, whole and streamed", async () => {
      azure.enqueue(json(responsesFixtures.openaiJson));
      const response = await client.responses.create({ model: 'o4-mini-azure', input: 'Hi' });
      expect(response).toEqual({ ...JSON.parse(responsesFixtures.openaiJson), output_text: response.output_text });
      const whole = azure.requests.at(-1)!;
      expect(whole.url).toBe('/openai/v1/responses');
      expect(whole.headers['api-key']).toBe('azure-responses-key');
      expect(whole.json).toEqual({ model: 'o4-mini-prod', input: 'Hi' });

      azure.enqueue(sse(responsesFrames(responsesFixtures.openaiStream)));
      const stream = await client.responses.create({ model: 'o4-mini-azure', input: 'Tell me a joke.', stream: true });
      const received: unknown[] = [];
      for await (const event of stream) received.push(event);
      expect(received).toEqual(lines(responsesFixtures.openaiStream).map((line) => JSON.parse(line)));
      expect(azure.requests.at(-1)!.json).toEqual({ model: 'o4-mini-prod', input: 'Tell me a joke.', stream: true });
    });

    it('passes the bytes of a stream through unchanged', async () => {
      const frames = responsesFrames(responsesFixtures.xaiStream);
      native.enqueue(sse(frames));
      const response = await fetch(`${switchyard.baseURL}/responses`, {
        method: 'POST',
        headers: switchyard.headers({ 'content-type': 'application/json' }),
        body: JSON.stringify({ model: 'grok-4', input: 'Hi', stream: true }),
      });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      expect(await response.text()).toBe(frames.join(''));
    });

    it('returns a whole recorded response as the upstream sent it, and stores it for reading and for translated continuations', async () => {
      native.enqueue(json(responsesFixtures.openaiJson));
      const body = { model: 'gpt-5-mini', input: 'Hi', tools: [{ type: 'web_search' as const }], truncation: 'auto' as const };
      const response = await client.responses.create(body);
      expect(response).toEqual({ ...JSON.parse(responsesFixtures.openaiJson), output_text: response.output_text });
      expect(native.requests.at(-1)!.json).toEqual(body);
      expect((await client.responses.retrieve(response.id)).id).toBe(response.id);

      native.enqueue(json(responsesFixtures.xaiJson));
      const chained = await client.responses.create({ model: 'grok-4', previous_response_id: response.id, input: 'And then?' });
      // The upstream keeps its own state: the body, previous_response_id included, goes as it came.
      expect(native.requests.at(-1)!.json).toEqual({ model: 'grok-4', previous_response_id: response.id, input: 'And then?' });
      expect(chained.id).toBe(JSON.parse(responsesFixtures.xaiJson).id);
    });

    it("passes an upstream error through in OpenAI's shape", async () => {
      native.enqueue({
        status: 400,
        ...json(
          JSON.stringify({
            error: {
              message: 'Unsupported parameter: temperature',
              type: 'invalid_request_error',
              param: 'temperature',
              code: 'unsupported_parameter',
            },
          }),
        ),
      });
      await expect(client.responses.create({ model: 'gpt-5-mini', input: 'Hi', temperature: 0.5 })).rejects.toMatchObject({
        status: 400,
        param: 'temperature',
      });
    });
  });
});
