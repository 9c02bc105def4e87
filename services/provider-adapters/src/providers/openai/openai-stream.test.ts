import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ProviderError, type FinishReason, type StreamPart, type Usage } from '@switchyard/shared';
import { parseServerSentEvents } from '../../http/sse-parser';
import { transformOpenAIStream } from './openai-stream';

const PROVIDER_RESPONSES = path.resolve(__dirname, '../../../../..', '../shared/fixtures/provider-responses');
const OPENAI_PYTHON = path.join(PROVIDER_RESPONSES, 'openai-python');
const VERCEL = path.join(PROVIDER_RESPONSES, 'vercel-ai/packages');

/**
 * A recorded body as a server sends it, in 61-byte pieces so that events and
 * characters are cut at arbitrary places. Raw SSE (`.bin`, `.sse`) is sent as
 * is; vercel's `*.chunks.txt` (one JSON chunk a line) is framed as `data:`
 * events, without `[DONE]`, as recorded.
 */
async function* recordedBody(file: string): AsyncGenerator<Uint8Array> {
  let bytes = readFileSync(file);
  if (file.endsWith('.chunks.txt')) {
    const lines = bytes
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim() !== '');
    bytes = Buffer.from(lines.map((line) => `data: ${line}\n\n`).join(''));
  }
  for (let offset = 0; offset < bytes.length; offset += 61) yield bytes.subarray(offset, offset + 61);
}

async function* textBody(text: string): AsyncGenerator<string> {
  yield text;
}

async function collect(body: AsyncIterable<Uint8Array | string>, model = 'requested-model'): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of transformOpenAIStream(parseServerSentEvents(body), { providerId: 'openai', model })) parts.push(part);
  return parts;
}

interface ChoiceSummary {
  text: string;
  reasoning: string;
  refusal: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  finishReason?: FinishReason;
}

interface StreamSummary {
  start: Extract<StreamPart, { type: 'response-start' }>;
  choices: ChoiceSummary[];
  usage?: Usage;
}

/** Accumulates parts the way a client would, checking the order the canonical stream promises. */
function summarize(parts: StreamPart[]): StreamSummary {
  const [start] = parts;
  if (start?.type !== 'response-start') throw new Error(`first part is ${start?.type}`);
  const choices: ChoiceSummary[] = [];
  let usage: Usage | undefined;
  for (const part of parts.slice(1)) {
    if (part.type === 'response-start') throw new Error('second response-start');
    if (usage) throw new Error(`${part.type} after usage`);
    if (part.type === 'usage') {
      usage = part.usage;
      continue;
    }
    const choice = (choices[part.choice] ??= { text: '', reasoning: '', refusal: '', toolCalls: [] });
    if (choice.finishReason) throw new Error(`${part.type} after finish of choice ${part.choice}`);
    switch (part.type) {
      case 'text-delta':
        choice.text += part.text;
        break;
      case 'reasoning-delta':
        choice.reasoning += part.text;
        break;
      case 'refusal-delta':
        choice.refusal += part.text;
        break;
      case 'tool-call-start':
        if (part.index !== choice.toolCalls.length) throw new Error(`tool call ${part.index} out of order`);
        choice.toolCalls.push({ id: part.id, name: part.name, arguments: '' });
        break;
      case 'tool-call-delta':
        if (!choice.toolCalls[part.index]) throw new Error(`delta before start of tool call ${part.index}`);
        choice.toolCalls[part.index].arguments += part.argumentsDelta;
        break;
      case 'finish':
        choice.finishReason = part.finishReason;
        break;
      case 'reasoning-signature':
      case 'redacted-reasoning':
        throw new Error(`${part.type} from an OpenAI-format stream`);
    }
  }
  return { start, choices, usage };
}

const empty = { text: '', reasoning: '', refusal: '', toolCalls: [] };

/** What each openai-python recording holds, read from the recordings themselves. */
const openAIPythonExpectations: Record<string, { choices: Partial<ChoiceSummary>[]; usage: Usage }> = {
  '173417d553406f034f643e5db3f8d591fb691ebac56f5ae39a22cc7d455c5353.bin': {
    choices: [{ refusal: "I'm sorry, I can't assist with that request.", finishReason: 'stop' }],
    usage: { inputTokens: 79, outputTokens: 11, reasoningTokens: 0 },
  },
  '2018feb66ae13fcf5333d61b95849decc68d3f63bd38172889367e1afb1e04f7.bin': {
    choices: [
      {
        toolCalls: [{ id: 'call_4XzlGBLtUe9dy3GVNV4jhq7h', name: 'get_weather', arguments: '{"city":"New York City"}' }],
        finishReason: 'tool_calls',
      },
    ],
    usage: { inputTokens: 44, outputTokens: 16, reasoningTokens: 0 },
  },
  '4cc50a6135d254573a502310e6af1246f55edb6ad95fa24059f160996b68866d.bin': {
    choices: [{ text: '{"', finishReason: 'length' }],
    usage: { inputTokens: 79, outputTokens: 1, reasoningTokens: 0 },
  },
  '569c877e69429d4cbc1577d2cd6dd33878095c68badc6b6654a69769b391a1c1.bin': {
    choices: [{ refusal: "I'm very sorry, but I can't assist with that.", finishReason: 'stop' }],
    usage: { inputTokens: 79, outputTokens: 12, reasoningTokens: 0 },
  },
  '7e5ea4d12e7cc064399b6631415e65923f182256b6e6b752950a3aaa2ad2320a.bin': {
    choices: [{ text: '{"city":"San Francisco","temperature":61,"units":"f"}', finishReason: 'stop' }],
    usage: { inputTokens: 79, outputTokens: 14, reasoningTokens: 0 },
  },
  '83b060bae42eb41c4f1edbb7c1542b954b37d9dfd1910b964ddebc9677e6ae85.bin': {
    choices: [{ text: 'Foo!', finishReason: 'stop' }],
    usage: { inputTokens: 9, outputTokens: 2, reasoningTokens: 0 },
  },
  'a247c49c5fcd492bfb7a02a3306ad615ed8d8f649888ebfddfbc3ee151f44d46.bin': {
    choices: [
      {
        toolCalls: [{ id: 'call_CTf1nWJLqSeRgDqaCG27xZ74', name: 'get_weather', arguments: '{"city":"San Francisco","state":"CA"}' }],
        finishReason: 'tool_calls',
      },
    ],
    usage: { inputTokens: 48, outputTokens: 19, reasoningTokens: 0 },
  },
  'a491adda08c3d4fde95f5b2ee3f60f7f745f1a56d82e62f58031cc2add502380.bin': {
    choices: [
      { text: '{"city":"San Francisco","temperature":65,"units":"f"}', finishReason: 'stop' },
      { text: '{"city":"San Francisco","temperature":61,"units":"f"}', finishReason: 'stop' },
      { text: '{"city":"San Francisco","temperature":59,"units":"f"}', finishReason: 'stop' },
    ],
    usage: { inputTokens: 79, outputTokens: 42, reasoningTokens: 0 },
  },
  'c6aa7e397b7123c3501f25df3a05d4daf7e8ad6d61ffa406ab5361fe36a8d5b1.bin': {
    choices: [
      {
        toolCalls: [{ id: 'call_c91SqDXlYFuETYv8mUHzz6pp', name: 'GetWeatherArgs', arguments: '{"city":"Edinburgh","country":"UK","units":"c"}' }],
        finishReason: 'tool_calls',
      },
    ],
    usage: { inputTokens: 76, outputTokens: 24, reasoningTokens: 0 },
  },
  'd615580118391ee13492193e3a8bb74642d23ac1ca13fe37cb6e889b66f759f6.bin': {
    // The text is checked further in its own test below.
    choices: [{ finishReason: 'stop' }],
    usage: { inputTokens: 19, outputTokens: 177, reasoningTokens: 0 },
  },
  'e2aad469b71d1d4894ff833ea147020a9d875eb7ce644a0ff355581690a4cbfd.bin': {
    choices: [
      {
        text: "I'm unable to provide real-time weather updates. To get the current weather in San Francisco, I recommend checking a reliable weather website or a weather app.",
        finishReason: 'stop',
      },
    ],
    usage: { inputTokens: 14, outputTokens: 30, reasoningTokens: 0 },
  },
  'f82268f2fefd5cfbc7eeb59c297688be2f6ca0849a6e4f17851b517310841d9b.bin': {
    choices: [
      {
        toolCalls: [
          { id: 'call_JMW1whyEaYG438VE1OIflxA2', name: 'GetWeatherArgs', arguments: '{"city": "Edinburgh", "country": "GB", "units": "c"}' },
          { id: 'call_DNYTawLBoN8fj3KN6qU9N1Ou', name: 'get_stock_price', arguments: '{"ticker": "AAPL", "exchange": "NASDAQ"}' },
        ],
        finishReason: 'tool_calls',
      },
    ],
    usage: { inputTokens: 149, outputTokens: 60, reasoningTokens: 0 },
  },
};

const indexedFiles = readFileSync(path.join(OPENAI_PYTHON, 'INDEX.tsv'), 'utf8')
  .split('\n')
  .slice(1)
  .filter((line) => line.trim() !== '')
  .map((line) => line.split('\t')[0]);

describe('transformOpenAIStream over the openai-python recordings', () => {
  it('has an expectation for every recording in INDEX.tsv', () => {
    expect(indexedFiles.sort()).toEqual(Object.keys(openAIPythonExpectations).sort());
  });

  it.each(indexedFiles)('%s', async (file) => {
    const expected = openAIPythonExpectations[file];
    const summary = summarize(await collect(recordedBody(path.join(OPENAI_PYTHON, '.inline-snapshot/external', file))));
    expect(summary.start.model).toBe('gpt-4o-2024-08-06');
    expect(summary.start.id).toMatch(/^chatcmpl-/);
    expect(summary.choices).toHaveLength(expected.choices.length);
    expected.choices.forEach((choice, index) => {
      const actual = summary.choices[index];
      // The long JSON text of d6155801 is checked in its own test below.
      expect(file.startsWith('d6155801') ? { ...actual, text: '' } : actual).toEqual({ ...empty, ...choice });
    });
    expect(summary.usage).toEqual(expected.usage);
  });

  it('starts with the id, model, created and system fingerprint of the first chunk', async () => {
    const parts = await collect(
      recordedBody(path.join(OPENAI_PYTHON, '.inline-snapshot/external/e2aad469b71d1d4894ff833ea147020a9d875eb7ce644a0ff355581690a4cbfd.bin')),
    );
    expect(parts[0]).toEqual({
      type: 'response-start',
      id: 'chatcmpl-ABfw031mOJeYCSHe4yI2ZjOA6kMJL',
      model: 'gpt-4o-2024-08-06',
      created: 1727346168,
      systemFingerprint: 'fp_5050236cbd',
    });
    expect(parts.slice(-2).map((part) => part.type)).toEqual(['finish', 'usage']);
  });

  it('passes through the JSON text of a response_format stream delta by delta', async () => {
    const parts = await collect(
      recordedBody(path.join(OPENAI_PYTHON, '.inline-snapshot/external/d615580118391ee13492193e3a8bb74642d23ac1ca13fe37cb6e889b66f759f6.bin')),
    );
    const text = summarize(parts).choices[0].text;
    expect(parts.filter((part) => part.type === 'text-delta').length).toBeGreaterThan(100);
    expect(JSON.parse(text)).toMatchObject({
      location: 'San Francisco, CA',
      weather: { temperature: '18°C', condition: 'Partly Cloudy' },
      forecast: [{ day: 'Monday' }, { day: 'Tuesday' }, { day: 'Wednesday', condition: 'Cloudy' }],
    });
  });
});

describe('transformOpenAIStream over compatible servers', () => {
  it('turns DeepSeek reasoning_content into reasoning deltas, and the usage in the finish chunk into a usage part after it', async () => {
    const parts = await collect(recordedBody(path.join(VERCEL, 'deepseek/src/chat/__fixtures__/deepseek-reasoning.chunks.txt')));
    const summary = summarize(parts);
    expect(summary.start).toMatchObject({
      id: 'cac7192e-e619-40c6-96b0-ed4276bc03ac',
      model: 'deepseek-reasoner',
      systemFingerprint: 'fp_eaab8d114b_prod0820_fp8_kvcache',
    });
    expect(summary.choices[0].reasoning).toMatch(/^We need to count the number of the letter "r" in the word "strawberry"\./);
    expect(summary.choices[0].reasoning).toMatch(/Thus, the answer is 3\.$/);
    expect(summary.choices[0].reasoning).toHaveLength(606);
    expect(summary.choices[0].text).toBe('The word "strawberry" contains three "r"s.');
    expect(summary.choices[0].finishReason).toBe('stop');
    expect(summary.usage).toEqual({ inputTokens: 18, outputTokens: 219, cachedInputTokens: 0, reasoningTokens: 205 });
    expect(parts.slice(-2).map((part) => part.type)).toEqual(['finish', 'usage']);
    // Reasoning comes before the answer.
    const firstText = parts.findIndex((part) => part.type === 'text-delta');
    expect(parts.slice(firstText).some((part) => part.type === 'reasoning-delta')).toBe(false);
  });

  it('reads a DeepSeek tool call streamed after its reasoning, with cached input tokens', async () => {
    const summary = summarize(await collect(recordedBody(path.join(VERCEL, 'deepseek/src/chat/__fixtures__/deepseek-tool-call.chunks.txt'))));
    expect(summary.choices[0].toolCalls).toEqual([
      { id: 'call_00_ioIn7yN9p1ZOMNpDLwd4MgAF', name: 'weather', arguments: '{"location": "San Francisco"}' },
    ]);
    expect(summary.choices[0].reasoning).toMatch(/^The user is asking for the weather in San Francisco\./);
    expect(summary.choices[0].finishReason).toBe('tool_calls');
    expect(summary.usage).toEqual({ inputTokens: 339, outputTokens: 83, cachedInputTokens: 320, reasoningTokens: 39 });
  });

  it('turns Groq `reasoning` into reasoning deltas', async () => {
    const summary = summarize(await collect(recordedBody(path.join(VERCEL, 'groq/src/__fixtures__/groq-reasoning.chunks.txt'))));
    expect(summary.choices[0].reasoning).toMatch(/^Okay, let me try to figure out how many times the letter 'r' appears/);
    expect(summary.choices[0].reasoning).toHaveLength(2952);
    expect(summary.choices[0].text).toMatch(/\*\*Final Answer\*\*: \$\\boxed\{3\}\$$/);
    expect(summary.usage).toEqual({ inputTokens: 17, outputTokens: 1107, reasoningTokens: 963 });
  });

  it('reads an xAI tool call sent whole in one chunk, and counts the reasoning tokens xAI leaves out of completion_tokens', async () => {
    const parts = await collect(recordedBody(path.join(VERCEL, 'openai-compatible/src/chat/__fixtures__/xai-tool-call.chunks.txt')));
    const summary = summarize(parts);
    expect(summary.start).toMatchObject({ id: '7027d986-3c59-a37a-9a5f-50713e01c8a6', model: 'grok-3-mini', created: 1770772293 });
    expect(summary.choices[0].toolCalls).toEqual([{ id: 'call_79382389', name: 'weather', arguments: '{"location":"San Francisco"}' }]);
    expect(summary.choices[0].finishReason).toBe('tool_calls');
    // total_tokens 560 = 307 prompt + 26 completion + 227 reasoning.
    expect(summary.usage).toEqual({ inputTokens: 307, outputTokens: 253, cachedInputTokens: 306, reasoningTokens: 227 });
  });

  it('renumbers a tool call whose upstream index starts at 1 (Anthropic through an OpenAI-compatible proxy)', async () => {
    const parts = await collect(recordedBody(path.join(VERCEL, 'openai-compatible/src/chat/__fixtures__/anthropic-fallback-tool-call.sse')));
    const summary = summarize(parts);
    expect(summary.start).toMatchObject({ id: 'msg_sanitized', model: 'claude-haiku-4-5-20251001', created: 0 });
    expect(summary.choices[0]).toEqual({
      ...empty,
      text: 'Reading it.',
      toolCalls: [{ id: 'toolu_sanitized', name: 'read_file', arguments: '{"path": "a.txt"}' }],
      finishReason: 'tool_calls',
    });
    expect(parts.find((part) => part.type === 'tool-call-start')).toMatchObject({ index: 0 });
    expect(summary.usage).toBeUndefined();
  });

  it('skips the Azure prompt-filter chunk that comes before the first real chunk', async () => {
    const summary = summarize(await collect(recordedBody(path.join(VERCEL, 'openai/src/chat/__fixtures__/azure-model-router.1.chunks.txt'))));
    expect(summary.start).toEqual({
      type: 'response-start',
      id: 'chatcmpl-CYPS1lijGoK8gd9lYzY3r9Sx50nbt',
      model: 'gpt-5-nano-2025-08-07',
      created: 1762317021,
    });
    expect(summary.choices[0].text).toBe('Capital of Denmark.');
    expect(summary.usage).toEqual({ inputTokens: 15, outputTokens: 78, cachedInputTokens: 0, reasoningTokens: 64 });
  });

  it("reads Mistral's array content: thinking parts as reasoning, text parts as text", async () => {
    const summary = summarize(await collect(recordedBody(path.join(VERCEL, 'mistral/src/__fixtures__/mistral-reasoning.chunks.txt'))));
    expect(summary.choices[0]).toEqual({
      ...empty,
      reasoning: 'The user is asking for 2+2. This is basic arithmetic. 2+2=4.',
      text: '2 + 2 = 4',
      finishReason: 'stop',
    });
    expect(summary.usage).toEqual({ inputTokens: 10, outputTokens: 46 });
  });

  it('continues a tool call whose later deltas carry an empty name (Mistral)', async () => {
    const summary = summarize(await collect(recordedBody(path.join(VERCEL, 'mistral/src/__fixtures__/mistral-incremental-tool-call.chunks.txt'))));
    expect(summary.choices[0].toolCalls).toEqual([
      { id: 'chatcmpl-tool-9f149c74c42f265b', name: 'webSearchTool', arguments: '{"query": "current Berlin weather"}' },
    ]);
    expect(summary.usage).toEqual({ inputTokens: 171, outputTokens: 14, cachedInputTokens: 128 });
  });

  it('reads the vercel OpenAI text recording, which has `usage: null` on every chunk but the last', async () => {
    const summary = summarize(await collect(recordedBody(path.join(VERCEL, 'openai/src/chat/__fixtures__/openai-text.chunks.txt'))));
    expect(summary.choices[0].text).toMatch(/^\*\*Holiday Name:\*\* Harmony Day\n\n/);
    expect(summary.choices[0].text).toMatch(/mutual respect\.$/);
    expect(summary.usage).toEqual({ inputTokens: 16, outputTokens: 300, cachedInputTokens: 0, reasoningTokens: 0 });
  });

  it('starts calls without an index by their id (Gemini style)', async () => {
    const chunk = (delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: 'x', model: 'gemini', created: 1, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const body = [
      chunk({ tool_calls: [{ id: 'a', function: { name: 'one', arguments: '{}' } }] }),
      chunk({ tool_calls: [{ id: 'b', function: { name: 'two', arguments: '{"x"' } }] }),
      chunk({ tool_calls: [{ function: { arguments: ':1}' } }] }),
      chunk({}, 'tool_calls'),
      'data: [DONE]\n\n',
    ].join('');
    expect(summarize(await collect(textBody(body))).choices[0].toolCalls).toEqual([
      { id: 'a', name: 'one', arguments: '{}' },
      { id: 'b', name: 'two', arguments: '{"x":1}' },
    ]);
  });
});

describe('transformOpenAIStream on a broken stream', () => {
  const recorded = readFileSync(
    path.join(OPENAI_PYTHON, '.inline-snapshot/external/e2aad469b71d1d4894ff833ea147020a9d875eb7ce644a0ff355581690a4cbfd.bin'),
    'utf8',
  );
  const events = recorded.split('\n\n').filter((event) => event !== '');

  async function failure(body: string): Promise<{ parts: StreamPart[]; error: unknown }> {
    const parts: StreamPart[] = [];
    try {
      for await (const part of transformOpenAIStream(parseServerSentEvents(textBody(body)), { providerId: 'openai', model: 'gpt-4o' }))
        parts.push(part);
    } catch (error) {
      return { parts, error };
    }
    throw new Error('the stream did not fail');
  }

  it('delivers the parts before a chunk that is not JSON, then throws a bad-response ProviderError', async () => {
    const { parts, error } = await failure(`${events.slice(0, 3).join('\n\n')}\n\ndata: {"id":"chatcmpl-ABfw03\n\n`);
    expect(parts.map((part) => part.type)).toEqual(['response-start', 'text-delta', 'text-delta']);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 502, code: 'upstream_bad_response', providerId: 'openai', retryable: false });
    expect((error as Error).message).toContain('stream event is not JSON');
  });

  it('throws a bad-response ProviderError for a chunk of the wrong shape', async () => {
    const { error } = await failure('data: {"id":"x","choices":[{"index":0,"delta":{"content":42}}]}\n\n');
    expect(error).toMatchObject({ code: 'upstream_bad_response' });
    expect((error as Error).message).toContain('choices.0.delta.content');
  });

  it('throws the error object a server sends inside the stream', async () => {
    const body = `${events.slice(0, 2).join('\n\n')}\n\ndata: {"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}\n\n`;
    const { parts, error } = await failure(body);
    expect(parts.map((part) => part.type)).toEqual(['response-start', 'text-delta']);
    expect(error).toMatchObject({ status: 502, errorClass: 'upstream', code: 'upstream_error', retryable: true });
    expect((error as Error).message).toBe('openai reported an error: The server had an error while processing your request.');
  });

  it("maps OpenRouter's numeric HTTP code inside a stream error as that status", async () => {
    const { error } = await failure('data: {"id":"x","error":{"code":429,"message":"Rate limit exceeded"}}\n\n');
    expect(error).toMatchObject({ status: 429, errorClass: 'rate_limited', upstreamStatus: 429 });
  });

  it('throws when the body ends before any finish_reason', async () => {
    const { parts, error } = await failure(`${events.slice(0, 5).join('\n\n')}\n\n`);
    expect(parts).toHaveLength(5);
    expect(error).toMatchObject({ code: 'upstream_bad_response' });
    expect((error as Error).message).toContain('the stream ended before a finish_reason');
  });

  it('stops at [DONE] but reads the body to its end, so the connection can be reused', async () => {
    let bodyEnded = false;
    async function* body(): AsyncGenerator<string> {
      yield recorded;
      yield 'data: {"id":"late","choices":[{"index":0,"delta":{"content":"after done"}}]}\n\n';
      bodyEnded = true;
    }
    const summary = summarize(await collect(body()));
    expect(summary.choices[0].text).not.toContain('after done');
    expect(summary.usage).toEqual({ inputTokens: 14, outputTokens: 30, reasoningTokens: 0 });
    expect(bodyEnded).toBe(true);
  });
});
