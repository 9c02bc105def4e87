import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { fixturePath } from '../../support/fixtures';
import { startReplayUpstream, type ReplayAnswer, type ReplayUpstream } from '../../support/replay-upstream';
import { startSwitchyard, type RunningSwitchyard } from '../switchyard-harness';

/**
 * DeepSeek, Groq, xAI and a generic OpenAI-compatible server, each replayed
 * from every Chat Completions recording in the vercel-ai fixtures, and
 * OpenAI from every openai-python recording, through one Switchyard (presets
 * `deepseek`, `groq`, `xai`, `openai`, and no preset), and read with the
 * official `openai` SDK, streaming and not, as recorded. Content, reasoning,
 * refusals, tool calls, finish reasons of every choice and usage must equal
 * what the recording itself holds, as read by `readRecording` below (not by
 * the adapter under test).
 *
 * Left out: xai/src/responses/__fixtures__ (xAI's Responses API, which
 * Switchyard does not call; the recordings are server-side tools: web, X and
 * file search, code execution, image generation).
 */
const VERCEL = fixturePath('provider-responses/vercel-ai/packages');
const FOLDERS = {
  deepseek: 'deepseek/src/chat/__fixtures__',
  groq: 'groq/src/__fixtures__',
  xai: 'xai/src/__fixtures__',
  compatible: 'openai-compatible/src/chat/__fixtures__',
  openai: '../../openai-python/.inline-snapshot/external',
} as const;
type ProviderId = keyof typeof FOLDERS;

/** Where each provider's base URL points on the replay upstream: the path its preset's default has. */
const BASE_PATHS: Record<ProviderId, string> = {
  deepseek: '/deepseek',
  groq: '/groq/openai/v1',
  xai: '/xai/v1',
  compatible: '/compatible/v1',
  openai: '/openai/v1',
};
const KEYS: Record<ProviderId, string | undefined> = {
  deepseek: 'sk-e2e-deepseek',
  groq: 'gsk-e2e-groq',
  xai: 'xai-e2e',
  compatible: undefined,
  openai: 'sk-e2e-openai',
};

const recordings = (Object.keys(FOLDERS) as ProviderId[]).flatMap((provider) =>
  readdirSync(path.join(VERCEL, FOLDERS[provider]))
    .filter((file) => /\.(json|chunks\.txt|sse|bin)$/.test(file))
    .sort()
    .map((file) => ({ provider, file: path.join(VERCEL, FOLDERS[provider], file), name: `${provider}: ${file}` })),
);

interface RecordedChoice {
  content: string;
  reasoning: string;
  refusal: string;
  toolCalls: { name: string; arguments: string }[];
  finishReason: string | undefined;
}

const emptyChoice = (): RecordedChoice => ({ content: '', reasoning: '', refusal: '', toolCalls: [], finishReason: undefined });

interface RecordedUsage {
  prompt: number;
  completion: number;
  cached?: number;
  reasoning?: number;
}

/** The recorded chunks (one JSON a line, or raw SSE), without framing. */
function recordedChunks(file: string): any[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .map((line) => (line.startsWith('data:') ? line.slice(5).trim() : line))
    .filter((line) => line !== '' && line !== '[DONE]')
    .map((line) => JSON.parse(line));
}

/**
 * What a recording says, read straight from its JSON. Usage: `completion`
 * includes reasoning tokens, as OpenAI counts them; xAI counts them only in
 * `total_tokens` (total = prompt + completion + reasoning), so they are
 * added back there, as xAI's usage documentation describes.
 */
function readRecording(file: string): { choices: RecordedChoice[]; usage?: RecordedUsage } {
  const choices: RecordedChoice[] = [];
  let rawUsage: any;
  if (file.endsWith('.json')) {
    const body = JSON.parse(readFileSync(file, 'utf8'));
    for (const recorded of body.choices) {
      choices[recorded.index] = {
        content: recorded.message.content ?? '',
        reasoning: recorded.message.reasoning_content ?? recorded.message.reasoning ?? '',
        refusal: recorded.message.refusal ?? '',
        toolCalls: (recorded.message.tool_calls ?? []).map((call: any) => ({ name: call.function.name, arguments: call.function.arguments })),
        finishReason: recorded.finish_reason,
      };
    }
    rawUsage = body.usage;
  } else {
    const calls: Map<number, { name: string; arguments: string }>[] = [];
    for (const chunk of recordedChunks(file)) {
      for (const recorded of chunk.choices ?? []) {
        const choice = (choices[recorded.index] ??= emptyChoice());
        const byIndex = (calls[recorded.index] ??= new Map());
        choice.content += recorded.delta?.content ?? '';
        choice.reasoning += recorded.delta?.reasoning_content ?? recorded.delta?.reasoning ?? '';
        choice.refusal += recorded.delta?.refusal ?? '';
        for (const call of recorded.delta?.tool_calls ?? []) {
          if (!byIndex.has(call.index)) byIndex.set(call.index, { name: call.function?.name ?? '', arguments: '' });
          byIndex.get(call.index)!.arguments += call.function?.arguments ?? '';
        }
        if (recorded.finish_reason) choice.finishReason = recorded.finish_reason;
      }
      if (chunk.usage) rawUsage = chunk.usage;
    }
    choices.forEach((choice, index) => (choice.toolCalls = [...calls[index].values()]));
  }
  if (!rawUsage) return { choices };
  const reasoning = rawUsage.completion_tokens_details?.reasoning_tokens;
  const countedApart = reasoning && rawUsage.total_tokens === rawUsage.prompt_tokens + rawUsage.completion_tokens + reasoning;
  const cached = rawUsage.prompt_tokens_details?.cached_tokens ?? rawUsage.prompt_cache_hit_tokens;
  return {
    choices,
    usage: {
      prompt: rawUsage.prompt_tokens,
      completion: rawUsage.completion_tokens + (countedApart ? reasoning : 0),
      ...(cached != null && { cached }),
      ...(reasoning != null && { reasoning }),
    },
  };
}

/** The recording as the provider sent it: a JSON body, or SSE events one write each. */
function replayOf(file: string): ReplayAnswer {
  if (file.endsWith('.json')) return { body: readFileSync(file) };
  const events = file.endsWith('.sse')
    ? readFileSync(file, 'utf8')
        .split(/\n\n/)
        .filter((event) => event.trim() !== '')
        .map((event) => `${event}\n\n`)
    : recordedChunks(file).map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`);
  return { headers: { 'content-type': 'text/event-stream' }, body: events };
}

const weatherTool: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'weather',
    description: 'Get the weather in a location',
    parameters: { type: 'object', properties: { location: { type: 'string' } } },
  },
};

describe('OpenAI-compatible presets replay their recordings through Switchyard to the openai SDK', () => {
  let upstream: ReplayUpstream;
  let switchyard: RunningSwitchyard;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startReplayUpstream();
    for (const [provider, key] of Object.entries(KEYS)) if (key) process.env[`E2E_${provider.toUpperCase()}_KEY`] = key;
    const providers = Object.fromEntries(
      (Object.keys(FOLDERS) as ProviderId[]).map((provider) => [
        provider,
        {
          kind: 'openai',
          ...(provider === 'compatible' ? {} : { preset: provider }),
          baseUrl: `${upstream.origin}${BASE_PATHS[provider]}`,
          ...(KEYS[provider] ? { apiKey: `\${E2E_${provider.toUpperCase()}_KEY}` } : {}),
        },
      ]),
    );
    switchyard = await startSwitchyard('embedded', { providers });
    client = new OpenAI({ baseURL: switchyard.baseURL, apiKey: switchyard.apiKey ?? 'unused', maxRetries: 0 });
  }, 60_000);

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
    for (const provider of Object.keys(KEYS)) delete process.env[`E2E_${provider.toUpperCase()}_KEY`];
  });

  it('covers every Chat Completions recording of the five folders', () => {
    expect(recordings.filter((recording) => recording.provider === 'deepseek')).toHaveLength(7);
    expect(recordings.filter((recording) => recording.provider === 'groq')).toHaveLength(6);
    expect(recordings.filter((recording) => recording.provider === 'xai')).toHaveLength(4);
    expect(recordings.filter((recording) => recording.provider === 'compatible')).toHaveLength(5);
    expect(recordings.filter((recording) => recording.provider === 'openai')).toHaveLength(12);
  });

  it.each(recordings)('$name', async ({ provider, file }) => {
    const expected = readRecording(file);
    upstream.enqueue(replayOf(file));
    const sentBefore = upstream.requests.length;
    const request = {
      model: `${provider}/recorded-model`,
      messages: [{ role: 'user' as const, content: 'What is the weather in San Francisco?' }],
      tools: [weatherTool],
    };

    const streamed = !file.endsWith('.json');
    const choices: RecordedChoice[] = [];
    let usage: OpenAI.CompletionUsage | undefined;
    if (!streamed) {
      const completion = await client.chat.completions.create(request);
      for (const { index, message, finish_reason } of completion.choices) {
        choices[index] = {
          content: message.content ?? '',
          reasoning: (message as { reasoning_content?: string }).reasoning_content ?? '',
          refusal: message.refusal ?? '',
          toolCalls: (message.tool_calls ?? []).map((call) => ({
            name: (call as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall).function.name,
            arguments: (call as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall).function.arguments,
          })),
          finishReason: finish_reason,
        };
      }
      usage = completion.usage;
    } else {
      const calls: Map<number, { name: string; arguments: string }>[] = [];
      for await (const chunk of await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } })) {
        for (const { index, delta, finish_reason } of chunk.choices) {
          const choice = (choices[index] ??= emptyChoice());
          const byIndex = (calls[index] ??= new Map());
          choice.content += delta.content ?? '';
          choice.reasoning += (delta as { reasoning_content?: string }).reasoning_content ?? '';
          choice.refusal += delta.refusal ?? '';
          for (const call of delta.tool_calls ?? []) {
            if (!byIndex.has(call.index)) byIndex.set(call.index, { name: call.function?.name ?? '', arguments: '' });
            byIndex.get(call.index)!.arguments += call.function?.arguments ?? '';
          }
          if (finish_reason) choice.finishReason = finish_reason;
        }
        if (chunk.usage) usage = chunk.usage;
      }
      choices.forEach((choice, index) => (choice.toolCalls = [...calls[index].values()]));
    }

    expect(choices).toEqual(expected.choices);
    if (expected.usage) {
      expect(usage).toMatchObject({ prompt_tokens: expected.usage.prompt, completion_tokens: expected.usage.completion });
      if (expected.usage.cached !== undefined) expect(usage?.prompt_tokens_details?.cached_tokens).toBe(expected.usage.cached);
      if (expected.usage.reasoning !== undefined) expect(usage?.completion_tokens_details?.reasoning_tokens).toBe(expected.usage.reasoning);
    }

    // What went upstream: the preset's path, its key, the model without the provider prefix.
    const sent = upstream.requests[sentBefore];
    expect(sent.url).toBe(`${BASE_PATHS[provider]}/chat/completions`);
    expect(sent.headers.authorization).toBe(KEYS[provider] ? `Bearer ${KEYS[provider]}` : undefined);
    expect(sent.json).toMatchObject({ model: 'recorded-model', tools: [weatherTool] });
    expect(sent.json.stream).toBe(streamed ? true : undefined);
  });
});
