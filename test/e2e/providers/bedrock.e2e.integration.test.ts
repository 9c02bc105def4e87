import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { verifySigV4 } from '../../support/aws-sigv4-verifier';
import { fixturePath } from '../../support/fixtures';
import {
  chunkEvents,
  decodedTwinEvents,
  encodeEventStream,
  summarizeBedrockEvents,
  summarizeConverseBody,
  type RecordedBedrockSummary,
} from '../../support/recorded-bedrock';
import { startReplayUpstream, type ReplayUpstream } from '../../support/replay-upstream';
import { startSwitchyard, type Mode, type RunningSwitchyard } from '../switchyard-harness';

/**
 * Bedrock Converse end to end: every relevant recording of real Bedrock
 * traffic in ../shared/fixtures is replayed from a loopback upstream through
 * Switchyard, and read with the official `openai` SDK; what the client
 * reconstructs must equal what the recording itself holds (read by
 * test/support/recorded-bedrock.ts, not by the adapter).
 *
 * - bedrock-eventstream/*.eventstream.bin: the four binary ConverseStream
 *   answers, sent byte for byte.
 * - vercel-ai amazon-bedrock *.chunks.txt: ConverseStream events, encoded
 *   into real event stream frames (with CRCs) by the AWS codec.
 * - vercel-ai amazon-bedrock *.json: Converse bodies.
 * None is left out: these recordings hold text, tool calls and reasoning
 * only (no provider-side tools).
 */

const MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const MODEL_PATH = `/model/${encodeURIComponent(MODEL)}`;
const ACCESS_KEY_ID = 'AKIDE2EBEDROCK';
const SECRET_ACCESS_KEY = 'e2e-bedrock-secret-access-key';

const binaryDirectory = fixturePath('provider-responses/bedrock-eventstream');
const vercelDirectory = fixturePath('provider-responses/vercel-ai/packages/amazon-bedrock/src/__fixtures__');
const binaries = readdirSync(binaryDirectory)
  .filter((name) => name.endsWith('.eventstream.bin'))
  .sort();
const chunkRecordings = readdirSync(vercelDirectory)
  .filter((name) => name.endsWith('.chunks.txt'))
  .sort();
const bodyRecordings = readdirSync(vercelDirectory)
  .filter((name) => name.endsWith('.json'))
  .sort();

const EVENT_STREAM = { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'e2e-request-id' };

interface ClientView {
  text: string;
  reasoning: string;
  toolCalls: { name: string; arguments: unknown }[];
  finishReason: string | null;
  usage?: { input: number; output: number };
}

/** Splits bytes into chunks of `size`, as a network would deliver them; their concatenation is the input. */
function chunked(bytes: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) chunks.push(bytes.subarray(offset, offset + size));
  return chunks;
}

const FINISH_REASONS: Record<string, string> = { end_turn: 'stop', tool_use: 'tool_calls', max_tokens: 'length', stop_sequence: 'stop' };

function expectClientViewToMatch(view: ClientView, recorded: RecordedBedrockSummary): void {
  expect(view.text).toBe(recorded.text);
  expect(view.reasoning).toBe(recorded.reasoning);
  expect(view.toolCalls).toEqual(recorded.toolCalls);
  expect(view.usage).toEqual(recorded.usage);
  if (recorded.stopReason) expect(view.finishReason).toBe(FINISH_REASONS[recorded.stopReason]);
}

/** Streams a question and gathers what the openai SDK reads: text, reasoning, tool calls, finish reason and usage. */
async function streamedView(client: OpenAI, model = MODEL): Promise<ClientView> {
  const stream = await client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'What is the capital of France?' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  const view: ClientView = { text: '', reasoning: '', toolCalls: [], finishReason: null };
  const argumentsText: string[] = [];
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    if (choice) {
      view.text += choice.delta.content ?? '';
      view.reasoning += (choice.delta as { reasoning_content?: string }).reasoning_content ?? '';
      for (const call of choice.delta.tool_calls ?? []) {
        view.toolCalls[call.index] ??= { name: '', arguments: undefined };
        view.toolCalls[call.index].name += call.function?.name ?? '';
        argumentsText[call.index] = (argumentsText[call.index] ?? '') + (call.function?.arguments ?? '');
      }
      view.finishReason = choice.finish_reason ?? view.finishReason;
    }
    if (chunk.usage) view.usage = { input: chunk.usage.prompt_tokens, output: chunk.usage.completion_tokens };
  }
  view.toolCalls.forEach((call, index) => (call.arguments = JSON.parse(argumentsText[index])));
  return view;
}

describe('Bedrock Converse through Switchyard, read with the openai SDK (embedded mode)', () => {
  let upstream: ReplayUpstream;
  let switchyard: RunningSwitchyard;
  let client: OpenAI;
  const savedEnvironment: Record<string, string | undefined> = {};

  beforeAll(async () => {
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_BEARER_TOKEN_BEDROCK', 'E2E_BEDROCK_API_KEY']) {
      savedEnvironment[name] = process.env[name];
      delete process.env[name];
    }
    process.env.AWS_ACCESS_KEY_ID = ACCESS_KEY_ID;
    process.env.AWS_SECRET_ACCESS_KEY = SECRET_ACCESS_KEY;
    process.env.E2E_BEDROCK_API_KEY = 'e2e-bedrock-api-key';
    upstream = await startReplayUpstream();
    switchyard = await startSwitchyard('embedded', {
      providers: {
        bedrock: { kind: 'bedrock', baseUrl: upstream.origin, region: 'eu-west-3', models: ['anthropic.*', 'amazon.titan-embed-*'] },
        'bedrock-key': {
          kind: 'bedrock',
          baseUrl: upstream.origin,
          region: 'us-east-1',
          apiKey: '${E2E_BEDROCK_API_KEY}',
          models: ['meta.llama3-70b-instruct-v1:0'],
          dropUnsupportedParams: true,
        },
      },
    });
    client = new OpenAI({ baseURL: switchyard.baseURL, apiKey: switchyard.apiKey, maxRetries: 0 });
  });

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
    for (const [name, value] of Object.entries(savedEnvironment)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  beforeEach(() => {
    upstream.requests.length = 0;
  });

  const streamed = () => streamedView(client);

  function expectSignedConverse(operation: 'converse' | 'converse-stream'): void {
    expect(upstream.requests).toHaveLength(1);
    const [request] = upstream.requests;
    expect(request.url).toBe(`${MODEL_PATH}/${operation}`);
    const check = verifySigV4({ method: request.method, url: request.url, headers: request.headers, body: request.body }, SECRET_ACCESS_KEY);
    expect(check).toMatchObject({ valid: true, accessKeyId: ACCESS_KEY_ID, region: 'eu-west-3', service: 'bedrock' });
  }

  it('has every recording to replay', () => {
    expect(binaries).toHaveLength(4);
    expect(chunkRecordings.length).toBeGreaterThanOrEqual(11);
    expect(bodyRecordings.length).toBeGreaterThanOrEqual(10);
  });

  it.each(binaries)('streams the binary recording %s, byte for byte, to exactly what it holds', async (name) => {
    const file = path.join(binaryDirectory, name);
    const bytes = readFileSync(file);
    upstream.enqueue({ headers: EVENT_STREAM, body: chunked(bytes, 1000) });
    const view = await streamed();
    expectClientViewToMatch(view, summarizeBedrockEvents(decodedTwinEvents(file)));
    expect(view.text.length + view.toolCalls.length).toBeGreaterThan(0);
    expectSignedConverse('converse-stream');
    expect(upstream.requests[0].headers.accept).toBe('application/vnd.amazon.eventstream');
  });

  it.each(chunkRecordings)('streams the recorded events of %s, framed as ConverseStream frames them', async (name) => {
    const events = chunkEvents(path.join(vercelDirectory, name));
    upstream.enqueue({ headers: EVENT_STREAM, body: Buffer.concat(encodeEventStream(events)) });
    const view = await streamed();
    expectClientViewToMatch(view, summarizeBedrockEvents(events));
    expectSignedConverse('converse-stream');
  });

  it.each(bodyRecordings)('answers with the recorded Converse body %s', async (name) => {
    const file = path.join(vercelDirectory, name);
    upstream.enqueue({ headers: { 'content-type': 'application/json', 'x-amzn-requestid': 'e2e-request-id' }, body: readFileSync(file) });
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'How many rs are in strawberry?' }],
    });
    const message = completion.choices[0].message;
    const view: ClientView = {
      text: message.content ?? '',
      reasoning: (message as { reasoning_content?: string }).reasoning_content ?? '',
      toolCalls: (message.tool_calls ?? []).flatMap((call) =>
        call.type === 'function' ? [{ name: call.function.name, arguments: JSON.parse(call.function.arguments) }] : [],
      ),
      finishReason: completion.choices[0].finish_reason,
      usage: completion.usage ? { input: completion.usage.prompt_tokens, output: completion.usage.completion_tokens } : undefined,
    };
    expectClientViewToMatch(view, summarizeConverseBody(file));
    expect(completion.id).toBe('bedrock-e2e-request-id');
    expectSignedConverse('converse');
  });

  it('passes a Bedrock error on with its status, type and message', async () => {
    upstream.enqueue({
      status: 400,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/' },
      body: JSON.stringify({ message: 'The model returned the following errors: messages: text content blocks must be non-empty' }),
    });
    const failure = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as Error).message).toMatch(/text content blocks must be non-empty \(ValidationException\)/);

    upstream.enqueue({
      status: 429,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ThrottlingException' },
      body: JSON.stringify({ message: 'Too many requests, please wait before trying again.' }),
    });
    const throttled = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(throttled).toBeInstanceOf(OpenAI.RateLimitError);
  });

  it('turns an exception frame in the middle of a stream into an error the SDK raises', async () => {
    const events = chunkEvents(path.join(vercelDirectory, 'amazon-bedrock-text.chunks.txt')).slice(0, 4);
    const { EventStreamCodec } = await import('@smithy/core/event-streams');
    const { fromUtf8, toUtf8 } = await import('@smithy/core/serde');
    const exception = new EventStreamCodec(toUtf8, fromUtf8).encode({
      headers: {
        ':message-type': { type: 'string', value: 'exception' },
        ':exception-type': { type: 'string', value: 'modelStreamErrorException' },
        ':content-type': { type: 'string', value: 'application/json' },
      },
      body: fromUtf8(JSON.stringify({ message: 'The model stream was interrupted.' })),
    });
    upstream.enqueue({ headers: EVENT_STREAM, body: [...encodeEventStream(events), Buffer.from(exception)] });
    await expect(streamed()).rejects.toThrow(/The model stream was interrupted\. \(modelStreamErrorException\)/);
  });

  it('rejects a parameter Bedrock cannot honour, naming it and the provider, before any upstream call', async () => {
    const failure = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], presence_penalty: 0.5 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as Error).message).toMatch(/Provider bedrock does not support the parameter 'presence_penalty'/);
    expect(upstream.requests).toHaveLength(0);
  });

  it('sends a Bedrock API key as a bearer token instead of signing, and drops what the provider is configured to drop', async () => {
    upstream.enqueue({ headers: { 'content-type': 'application/json' }, body: readFileSync(path.join(vercelDirectory, 'amazon-bedrock-text.json')) });
    const completion = await client.chat.completions.create({
      model: 'meta.llama3-70b-instruct-v1:0',
      messages: [{ role: 'user', content: 'x' }],
      presence_penalty: 0.5,
    });
    expect(completion.choices[0].message.content).toContain('strawberry');
    const [request] = upstream.requests;
    expect(request.url).toBe('/model/meta.llama3-70b-instruct-v1%3A0/converse');
    expect(request.headers.authorization).toBe('Bearer e2e-bedrock-api-key');
    expect(request.headers['x-amz-date']).toBeUndefined();
    expect(request.json).not.toHaveProperty('inferenceConfig');
  });

  it('sends the documented Converse request for tools, images, system, stop and sampling', async () => {
    // Checked against https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html (request
    // syntax, ContentBlock, ImageBlock, ToolUseBlock, ToolResultBlock, ToolConfiguration, InferenceConfiguration).
    upstream.enqueue({
      headers: { 'content-type': 'application/json' },
      body: readFileSync(path.join(vercelDirectory, 'amazon-bedrock-tool-no-args.json')),
    });
    await client.chat.completions.create({
      model: MODEL,
      messages: [
        { role: 'system', content: 'You are a weather assistant.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is the weather where this photo was taken?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'tooluse_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
        },
        { role: 'tool', tool_call_id: 'tooluse_1', content: '{"temperature":21}' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Current weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        },
      ],
      tool_choice: 'required',
      temperature: 0.3,
      top_p: 0.9,
      max_tokens: 1_000,
      stop: ['END'],
      user: 'user-42',
    });
    const [request] = upstream.requests;
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => ['content-type', 'accept', 'authorization', 'x-amz-date'].includes(name)),
    );
    expect({
      method: request.method,
      url: request.url,
      headers: { ...headers, authorization: '<SigV4>', 'x-amz-date': '<date>' },
      body: request.json,
    }).toMatchInlineSnapshot(`
     {
       "body": {
         "inferenceConfig": {
           "maxTokens": 1000,
           "stopSequences": [
             "END",
           ],
           "temperature": 0.3,
           "topP": 0.9,
         },
         "messages": [
           {
             "content": [
               {
                 "text": "What is the weather where this photo was taken?",
               },
               {
                 "image": {
                   "format": "png",
                   "source": {
                     "bytes": "iVBORw0KGgo=",
                   },
                 },
               },
             ],
             "role": "user",
           },
           {
             "content": [
               {
                 "toolUse": {
                   "input": {
                     "city": "Paris",
                   },
                   "name": "get_weather",
                   "toolUseId": "tooluse_1",
                 },
               },
             ],
             "role": "assistant",
           },
           {
             "content": [
               {
                 "toolResult": {
                   "content": [
                     {
                       "text": "{"temperature":21}",
                     },
                   ],
                   "toolUseId": "tooluse_1",
                 },
               },
             ],
             "role": "user",
           },
         ],
         "requestMetadata": {
           "user": "user-42",
         },
         "system": [
           {
             "text": "You are a weather assistant.",
           },
         ],
         "toolConfig": {
           "toolChoice": {
             "any": {},
           },
           "tools": [
             {
               "toolSpec": {
                 "description": "Current weather",
                 "inputSchema": {
                   "json": {
                     "properties": {
                       "city": {
                         "type": "string",
                       },
                     },
                     "required": [
                       "city",
                     ],
                     "type": "object",
                   },
                 },
                 "name": "get_weather",
               },
             },
           ],
         },
       },
       "headers": {
         "accept": "application/json",
         "authorization": "<SigV4>",
         "content-type": "application/json",
         "x-amz-date": "<date>",
       },
       "method": "POST",
       "url": "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse",
     }
    `);
    expectSignedConverse('converse');
  });

  it('asks an Anthropic model for extended thinking through additionalModelRequestFields', async () => {
    // Checked against https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-extended-thinking.html
    // (thinking with budget_tokens, max_tokens above the budget, no sampling changes alongside).
    upstream.enqueue({
      headers: { 'content-type': 'application/json' },
      body: readFileSync(path.join(vercelDirectory, 'amazon-bedrock-reasoning.json')),
    });
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'How many rs are in strawberry?' }],
      reasoning_effort: 'medium',
    });
    expect((completion.choices[0].message as { reasoning_content?: string }).reasoning_content).toContain('strawberry');
    expect(upstream.requests[0].json).toMatchInlineSnapshot(`
     {
       "additionalModelRequestFields": {
         "thinking": {
           "budget_tokens": 4096,
           "type": "enabled",
         },
       },
       "inferenceConfig": {
         "maxTokens": 8192,
       },
       "messages": [
         {
           "content": [
             {
               "text": "How many rs are in strawberry?",
             },
           ],
           "role": "user",
         },
       ],
     }
    `);
  });

  it('embeds with Titan through InvokeModel, one signed call per text, in the input order', async () => {
    // Checked against https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html
    // (V2 request {inputText, dimensions, normalize}; response {embedding, inputTextTokenCount, embeddingsByType}).
    upstream.setDefault((request) => {
      const text: string = request.json.inputText;
      const embedding = [text.length / 10, -text.length / 100];
      return { body: JSON.stringify({ embedding, inputTextTokenCount: text.split(' ').length, embeddingsByType: { float: embedding } }) };
    });
    try {
      const result = await client.embeddings.create({
        model: 'amazon.titan-embed-text-v2:0',
        input: ['Hello there', 'Hi'],
        dimensions: 256,
        encoding_format: 'float',
      });
      expect(result.data.map((item) => item.embedding)).toEqual([
        [1.1, -0.11],
        [0.2, -0.02],
      ]);
      expect(result.usage).toMatchObject({ prompt_tokens: 3 });
      expect(
        upstream.requests
          .map((request) => ({ url: request.url, body: request.json }))
          .sort((a, b) => a.body.inputText.localeCompare(b.body.inputText)),
      ).toMatchInlineSnapshot(`
       [
         {
           "body": {
             "dimensions": 256,
             "inputText": "Hello there",
           },
           "url": "/model/amazon.titan-embed-text-v2%3A0/invoke",
         },
         {
           "body": {
             "dimensions": 256,
             "inputText": "Hi",
           },
           "url": "/model/amazon.titan-embed-text-v2%3A0/invoke",
         },
       ]
      `);
      for (const request of upstream.requests) {
        expect(verifySigV4({ method: request.method, url: request.url, headers: request.headers, body: request.body }, SECRET_ACCESS_KEY).valid).toBe(
          true,
        );
      }
    } finally {
      upstream.setDefault(undefined);
    }
  });
});

/** The same binary streams across the service boundary: the adapter service signs and decodes, gRPC carries the parts. */
describe.each<Mode>(['distributed'])('Bedrock ConverseStream through Switchyard (%s mode)', (mode) => {
  let upstream: ReplayUpstream;
  let switchyard: RunningSwitchyard;
  let client: OpenAI;

  beforeAll(async () => {
    process.env.E2E_BEDROCK_DISTRIBUTED_KEY = 'e2e-bedrock-distributed-key';
    upstream = await startReplayUpstream();
    switchyard = await startSwitchyard(mode, {
      providers: {
        bedrock: {
          kind: 'bedrock',
          baseUrl: upstream.origin,
          region: 'eu-west-3',
          apiKey: '${E2E_BEDROCK_DISTRIBUTED_KEY}',
          models: ['anthropic.*'],
        },
      },
    });
    client = new OpenAI({ baseURL: switchyard.baseURL, apiKey: switchyard.apiKey, maxRetries: 0 });
  });

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
    delete process.env.E2E_BEDROCK_DISTRIBUTED_KEY;
  });

  it.each(binaries)('streams %s to exactly what it holds', async (name) => {
    const file = path.join(binaryDirectory, name);
    upstream.enqueue({ headers: EVENT_STREAM, body: chunked(readFileSync(file), 512) });
    const view = await streamedView(client);
    expectClientViewToMatch(view, summarizeBedrockEvents(decodedTwinEvents(file)));
    expect(upstream.requests.at(-1)?.headers.authorization).toBe('Bearer e2e-bedrock-distributed-key');
  });
});
