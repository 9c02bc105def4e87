import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import OpenAI from 'openai';
import { fixturePath } from '../../support/fixtures';
import { startReplayUpstream, type ReplayUpstream } from '../../support/replay-upstream';
import { startSwitchyard, type RunningSwitchyard } from '../switchyard-harness';

/**
 * Azure OpenAI through the gateway: recorded real Azure Chat Completions
 * traffic replayed from a loopback upstream and read with the `openai` SDK;
 * what the SDK reconstructs must equal what the recording itself holds.
 *
 * Replayed: every Chat Completions recording of Azure in the fixtures.
 * Left out: the `vercel-ai/packages/azure` recordings of the Responses API
 * (`azure-text.1`, `azure-tool-call.1`, `azure-reasoning-encrypted-content.1`, and those of server-side
 * tools: web search, code interpreter, file search, image generation): they are
 * answers of `/openai/responses`, which this adapter does not call.
 */

const azureDirectory = 'provider-responses/vercel-ai/packages/azure/src/__fixtures__';
const recordings = [
  fixturePath(azureDirectory, 'azure-deepseek-reasoning.1.json'),
  fixturePath(azureDirectory, 'azure-deepseek-reasoning.1.chunks.txt'),
  fixturePath('provider-responses/vercel-ai/packages/openai/src/chat/__fixtures__/azure-model-router.1.chunks.txt'),
];

interface Expected {
  content: string;
  reasoning: string;
  toolCalls: { name: string; arguments: string }[];
  promptTokens: number;
  completionTokens: number;
}

/** What a recording holds, read from its JSON directly (never by the adapter under test). */
function expectedOf(file: string): Expected {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.json')) {
    const body = JSON.parse(text);
    const message = body.choices[0].message;
    return {
      content: message.content ?? '',
      reasoning: message.reasoning_content ?? '',
      toolCalls: (message.tool_calls ?? []).map((call: { function: { name: string; arguments: string } }) => ({
        name: call.function.name,
        arguments: call.function.arguments,
      })),
      promptTokens: body.usage.prompt_tokens,
      completionTokens: body.usage.completion_tokens,
    };
  }
  const expected: Expected = { content: '', reasoning: '', toolCalls: [], promptTokens: 0, completionTokens: 0 };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const chunk = JSON.parse(line);
    for (const choice of chunk.choices ?? []) {
      expected.content += choice.delta?.content ?? '';
      expected.reasoning += choice.delta?.reasoning_content ?? '';
      for (const call of choice.delta?.tool_calls ?? []) {
        if (call.function?.name) expected.toolCalls.push({ name: call.function.name, arguments: '' });
        if (call.function?.arguments) expected.toolCalls[expected.toolCalls.length - 1].arguments += call.function.arguments;
      }
    }
    if (chunk.usage) {
      expected.promptTokens = chunk.usage.prompt_tokens;
      expected.completionTokens = chunk.usage.completion_tokens;
    }
  }
  return expected;
}

/** A chunks recording framed as Azure sends it: one SSE event a chunk, then `[DONE]`. */
function sseOf(file: string): string[] {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  return [...lines.map((line) => `data: ${line}\n\n`), 'data: [DONE]\n\n'];
}

describe('Azure OpenAI end to end (embedded mode)', () => {
  let upstream: ReplayUpstream;
  let tokenEndpoint: ReplayUpstream;
  let switchyard: RunningSwitchyard;
  let client: OpenAI;

  beforeAll(async () => {
    process.env.E2E_AZURE_KEY = 'azure-e2e-api-key';
    process.env.E2E_AZURE_CLIENT_SECRET = 'azure-e2e-client-secret';
    upstream = await startReplayUpstream();
    tokenEndpoint = await startReplayUpstream();
    switchyard = await startSwitchyard('embedded', {
      providers: {
        azure: {
          kind: 'azure',
          baseUrl: upstream.origin,
          apiKey: '${E2E_AZURE_KEY}',
          apiVersion: '2024-10-21',
          models: ['gpt-4o', 'deepseek-v4-pro', 'model-router', 'text-embedding-3-small'],
          deployments: { 'gpt-4o': 'prod-gpt4o', 'text-embedding-3-small': 'embed-small' },
        },
        'azure-entra': {
          kind: 'azure',
          baseUrl: `${upstream.origin}/entra`,
          models: ['entra-*'],
          entra: { tenantId: 'contoso', clientId: 'switchyard-app', clientSecret: '${E2E_AZURE_CLIENT_SECRET}', authorityUrl: tokenEndpoint.origin },
        },
      },
    });
    client = new OpenAI({ baseURL: switchyard.baseURL, apiKey: switchyard.apiKey ?? 'unused', maxRetries: 0 });
  });

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
    await tokenEndpoint?.close();
  });

  beforeEach(() => {
    upstream.requests.length = 0;
    tokenEndpoint.requests.length = 0;
  });

  it.each(recordings.map((file) => [basename(file), file]))('replays %s exactly', async (_name, file) => {
    const expected = expectedOf(file);
    const model = file.includes('model-router') ? 'model-router' : 'deepseek-v4-pro';
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Invent a new holiday and describe its traditions.' }];
    let actual: Expected;
    if (file.endsWith('.json')) {
      upstream.enqueue({ body: readFileSync(file, 'utf8') });
      const completion = await client.chat.completions.create({ model, messages });
      const message = completion.choices[0].message as OpenAI.Chat.ChatCompletionMessage & { reasoning_content?: string };
      actual = {
        content: message.content ?? '',
        reasoning: message.reasoning_content ?? '',
        toolCalls: (message.tool_calls ?? []).flatMap((call) =>
          call.type === 'function' ? [{ name: call.function.name, arguments: call.function.arguments }] : [],
        ),
        promptTokens: completion.usage!.prompt_tokens,
        completionTokens: completion.usage!.completion_tokens,
      };
    } else {
      upstream.enqueue({ headers: { 'content-type': 'text/event-stream' }, body: sseOf(file) });
      const stream = await client.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } });
      actual = { content: '', reasoning: '', toolCalls: [], promptTokens: 0, completionTokens: 0 };
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta as (OpenAI.Chat.ChatCompletionChunk.Choice.Delta & { reasoning_content?: string }) | undefined;
        actual.content += delta?.content ?? '';
        actual.reasoning += delta?.reasoning_content ?? '';
        for (const call of delta?.tool_calls ?? []) {
          if (call.function?.name) actual.toolCalls.push({ name: call.function.name, arguments: '' });
          if (call.function?.arguments) actual.toolCalls[actual.toolCalls.length - 1].arguments += call.function.arguments;
        }
        if (chunk.usage) {
          actual.promptTokens = chunk.usage.prompt_tokens;
          actual.completionTokens = chunk.usage.completion_tokens;
        }
      }
    }
    expect(actual).toEqual(expected);
    expect(expected.content.length).toBeGreaterThan(0);
    expect(upstream.requests[0].url).toBe(`/openai/deployments/${model}/chat/completions?api-version=2024-10-21`);
  });

  // Checked against https://learn.microsoft.com/en-us/azure/ai-services/openai/reference ("Chat completions":
  // POST {endpoint}/openai/deployments/{deployment-id}/chat/completions?api-version=2024-10-21, header api-key,
  // body as OpenAI's: messages with image_url parts, tools, tool_choice, stop, temperature, stream_options).
  it('sends the documented request to the deployment of the model, with the api-key header', async () => {
    upstream.enqueue({
      headers: { 'content-type': 'text/event-stream' },
      body: sseOf(fixturePath('provider-responses/vercel-ai/packages/openai/src/chat/__fixtures__/azure-model-router.1.chunks.txt')),
    });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'You are a weather assistant.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is the weather where this photo was taken?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
          ],
        },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Current weather of a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        },
      ],
      tool_choice: 'auto',
      temperature: 0.3,
      max_tokens: 200,
      stop: ['END'],
      user: 'user-42',
      stream: true,
    });
    for await (const _chunk of stream) {
      // Read to the end.
    }
    const [sent] = upstream.requests;
    expect(sent.headers['api-key']).toBe('azure-e2e-api-key');
    expect(sent.headers.authorization).toBeUndefined();
    expect({ method: sent.method, url: sent.url, contentType: sent.headers['content-type'], body: sent.json }).toMatchInlineSnapshot(`
     {
       "body": {
         "max_tokens": 200,
         "messages": [
           {
             "content": "You are a weather assistant.",
             "role": "system",
           },
           {
             "content": [
               {
                 "text": "What is the weather where this photo was taken?",
                 "type": "text",
               },
               {
                 "image_url": {
                   "detail": "low",
                   "url": "data:image/png;base64,iVBORw0KGgo=",
                 },
                 "type": "image_url",
               },
             ],
             "role": "user",
           },
         ],
         "model": "gpt-4o",
         "stop": [
           "END",
         ],
         "stream": true,
         "stream_options": {
           "include_usage": true,
         },
         "temperature": 0.3,
         "tool_choice": "auto",
         "tools": [
           {
             "function": {
               "description": "Current weather of a city",
               "name": "get_weather",
               "parameters": {
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
             "type": "function",
           },
         ],
         "user": "user-42",
       },
       "contentType": "application/json",
       "method": "POST",
       "url": "/openai/deployments/prod-gpt4o/chat/completions?api-version=2024-10-21",
     }
    `);
  });

  it('passes unmodelled fields through unchanged, and merges its provider_options', async () => {
    upstream.enqueue({ body: readFileSync(fixturePath(azureDirectory, 'azure-deepseek-reasoning.1.json'), 'utf8') });
    await client.chat.completions.create({
      model: 'deepseek-v4-pro',
      messages: [{ role: 'user', content: 'Hi' }],
      logprobs: true,
      top_logprobs: 2,
      logit_bias: { '50256': -100 },
      data_sources: [{ type: 'azure_search', parameters: { endpoint: 'https://search.example.net', index_name: 'docs' } }],
      provider_options: { azure: { user_security_context: { application_name: 'switchyard-e2e' } }, anthropic: { top_k: 5 } },
    } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming);
    expect(upstream.requests[0].json).toEqual({
      model: 'deepseek-v4-pro',
      messages: [{ role: 'user', content: 'Hi' }],
      logprobs: true,
      top_logprobs: 2,
      logit_bias: { '50256': -100 },
      data_sources: [{ type: 'azure_search', parameters: { endpoint: 'https://search.example.net', index_name: 'docs' } }],
      user_security_context: { application_name: 'switchyard-e2e' },
    });
  });

  it('embeds with the deployment of the embedding model', async () => {
    upstream.enqueue({
      body: JSON.stringify({
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: [0.25, -0.5] }],
        model: 'text-embedding-3-small',
        usage: { prompt_tokens: 3, total_tokens: 3 },
      }),
    });
    const embeddings = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello', encoding_format: 'float' });
    expect(embeddings.data[0].embedding).toEqual([0.25, -0.5]);
    expect(upstream.requests[0].url).toBe('/openai/deployments/embed-small/embeddings?api-version=2024-10-21');
    expect(upstream.requests[0].json).toEqual({ model: 'text-embedding-3-small', input: ['hello'] });
  });

  it('keeps the status and message of an Azure error', async () => {
    upstream.enqueue({
      status: 404,
      body: JSON.stringify({ error: { code: 'DeploymentNotFound', message: 'The API deployment for this resource does not exist.' } }),
    });
    const error = await client.chat.completions.create({ model: 'deepseek-v4-pro', messages: [{ role: 'user', content: 'Hi' }] }).then(
      () => undefined,
      (caught: unknown) => caught as InstanceType<typeof OpenAI.APIError>,
    );
    expect(error?.status).toBe(404);
    expect(error?.message).toContain('The API deployment for this resource does not exist.');
  });

  it('authenticates with a Microsoft Entra ID token, asked once and reused', async () => {
    tokenEndpoint.setDefault({ body: JSON.stringify({ token_type: 'Bearer', expires_in: 3599, access_token: 'entra-access-token' }) });
    const answer = readFileSync(fixturePath(azureDirectory, 'azure-deepseek-reasoning.1.json'), 'utf8');
    upstream.setDefault({ body: answer });
    try {
      for (let round = 0; round < 2; round++) {
        await client.chat.completions.create({ model: 'entra-gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });
      }
    } finally {
      upstream.setDefault(undefined);
      tokenEndpoint.setDefault(undefined);
    }
    expect(tokenEndpoint.requests).toHaveLength(1);
    expect(tokenEndpoint.requests[0].url).toBe('/contoso/oauth2/v2.0/token');
    expect(upstream.requests.map((request) => [request.url, request.headers.authorization, request.headers['api-key']])).toEqual([
      ['/entra/openai/deployments/entra-gpt-4o/chat/completions?api-version=2024-10-21', 'Bearer entra-access-token', undefined],
      ['/entra/openai/deployments/entra-gpt-4o/chat/completions?api-version=2024-10-21', 'Bearer entra-access-token', undefined],
    ]);
  });
});
