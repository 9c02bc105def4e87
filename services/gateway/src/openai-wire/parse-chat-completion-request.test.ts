import { DEFAULT_REQUEST_LIMITS, GatewayError } from '@switchyard/shared';
import { parseChatCompletionRequest, parseEmbeddingsRequest } from './parse-chat-completion-request';

function errorOf(body: unknown): GatewayError {
  try {
    parseChatCompletionRequest(body);
  } catch (error) {
    return error as GatewayError;
  }
  throw new Error('expected the body to be rejected');
}

describe('parseChatCompletionRequest', () => {
  it('converts every field OpenAI clients send into the canonical request', () => {
    const request = parseChatCompletionRequest({
      model: 'gpt-4o-mini',
      messages: [
        {
          role: 'developer',
          content: [
            { type: 'text', text: 'Be ' },
            { type: 'text', text: 'brief.' },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this image?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temperature":21}' },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object' }, strict: true } }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
      temperature: 0,
      top_p: 0.5,
      max_tokens: 100,
      max_completion_tokens: 200,
      n: 2,
      stop: 'END',
      seed: 7,
      user: 'user-1',
      metadata: { team: 'search' },
      stream: true,
      stream_options: { include_usage: true },
      reasoning_effort: 'low',
      logit_bias: { '50256': -100 },
    });
    expect(request).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this image?' },
            { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' },
          ],
        },
        { role: 'assistant', content: [], toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
        { role: 'tool', toolCallId: 'call_1', content: '{"temperature":21}' },
      ],
      tools: [{ name: 'get_weather', description: 'Weather', parameters: { type: 'object' }, strict: true }],
      toolChoice: { mode: 'tool', toolName: 'get_weather' },
      parallelToolCalls: false,
      responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true },
      sampling: { temperature: 0, topP: 0.5, maxTokens: 200, n: 2 },
      stop: ['END'],
      seed: 7,
      user: 'user-1',
      metadata: { team: 'search' },
      stream: true,
      includeUsage: true,
      reasoning: { effort: 'low' },
      extraBody: { logit_bias: { '50256': -100 } },
    });
  });

  it('keeps every top-level field it does not model, exactly as sent, with extra_body over them', () => {
    const request = parseChatCompletionRequest({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      logprobs: true,
      top_logprobs: 2,
      logit_bias: { '50256': -100 },
      service_tier: 'flex',
      prediction: { type: 'content', content: 'x' },
      top_k: 40,
      min_p: null,
      vendor: { nested: [1, { deep: true }] },
      extra_body: { top_k: 20, repetition_penalty: 1.1 },
      provider_options: { anthropic: { top_k: 5 }, 'my-vllm': { guided_choice: ['a', 'b'] } },
    });
    expect(request.extraBody).toEqual({
      logprobs: true,
      top_logprobs: 2,
      logit_bias: { '50256': -100 },
      service_tier: 'flex',
      prediction: { type: 'content', content: 'x' },
      top_k: 20,
      min_p: null,
      vendor: { nested: [1, { deep: true }] },
      repetition_penalty: 1.1,
    });
    expect(request.providerOptions).toEqual({ anthropic: { top_k: 5 }, 'my-vllm': { guided_choice: ['a', 'b'] } });
    expect(Object.keys(request.extraBody!)).not.toContain('extra_body');
  });

  it('keeps a __proto__ field as a plain field, never as a prototype', () => {
    const request = parseChatCompletionRequest(JSON.parse('{"model":"m","messages":[{"role":"user","content":"hi"}],"__proto__":{"polluted":true}}'));
    expect(Object.getPrototypeOf(request.extraBody)).toBe(Object.prototype);
    expect((request.extraBody as { polluted?: unknown }).polluted).toBeUndefined();
    expect(JSON.stringify(request.extraBody)).toBe('{"__proto__":{"polluted":true}}');
  });

  it('bounds unknown fields like any other: too deep is a 400 naming the path', () => {
    let deep: unknown = 1;
    for (let level = 0; level < 70; level++) deep = { level: deep };
    const error = errorOf({ model: 'm', messages: [{ role: 'user', content: 'hi' }], vendor: deep });
    expect(error.code).toBe('json_above_max_depth');
    expect(error.param).toMatch(/^vendor\.level/);
  });

  it('rejects extra_body and provider_options that are not objects, by name', () => {
    const messages = [{ role: 'user', content: 'hi' }];
    expect(errorOf({ model: 'm', messages, extra_body: [1] }).param).toBe('extra_body');
    expect(errorOf({ model: 'm', messages, provider_options: { anthropic: 3 } }).param).toBe('provider_options.anthropic');
  });

  it('treats null optional fields as absent', () => {
    const request = parseChatCompletionRequest({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: null,
      stream: null,
      tools: null,
    });
    expect(request).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      sampling: {},
      stream: false,
      includeUsage: false,
    });
  });

  it('names the field that has the wrong type', () => {
    const error = errorOf({ model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 'hot' });
    expect(error.status).toBe(400);
    expect(error.param).toBe('temperature');
    expect(error.code).toBe('invalid_type');
    expect(error.message).toContain("'temperature'");
  });

  it('names nested fields by their path', () => {
    const error = errorOf({
      model: 'm',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'tool', content: 'x' },
      ],
    });
    expect(error.param).toBe('messages[1].tool_call_id');
    expect(error.code).toBe('missing_required_parameter');
  });

  it('rejects a missing model, an empty message list and an unknown role', () => {
    expect(errorOf({ messages: [{ role: 'user', content: 'hi' }] }).param).toBe('model');
    expect(errorOf({ model: 'm', messages: [] }).param).toBe('messages');
    expect(errorOf({ model: 'm', messages: [{ role: 'wizard', content: 'hi' }] }).param).toBe('messages[0].role');
  });

  it('rejects a body that is not an object', () => {
    const error = errorOf([1, 2]);
    expect(error.status).toBe(400);
    expect(error.param).toBeNull();
  });

  it('rejects out-of-range sampling values', () => {
    expect(errorOf({ model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 3 }).param).toBe('temperature');
    expect(errorOf({ model: 'm', messages: [{ role: 'user', content: 'hi' }], n: 0 }).param).toBe('n');
  });
});

describe('reasoning blocks and cache breakpoints (LiteLLM-compatible shapes)', () => {
  it('reads thinking_blocks on an assistant message as its reasoning blocks, signatures unchanged', () => {
    const request = parseChatCompletionRequest({
      model: 'claude',
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          reasoning_content: 'Weather first.',
          thinking_blocks: [
            { type: 'thinking', thinking: 'Weather first.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' },
            { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
            { type: 'thinking', thinking: 'No signature.' },
          ],
          tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: '18°C' },
      ],
    });
    expect(request.messages[1]).toEqual({
      role: 'assistant',
      content: [],
      reasoning: 'Weather first.',
      reasoningBlocks: [
        { type: 'thinking', text: 'Weather first.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' },
        { type: 'redacted', data: 'EmwKAhgBEgy3va3pzix' },
        { type: 'thinking', text: 'No signature.' },
      ],
      toolCalls: [{ id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
    });
  });

  it('rejects a malformed thinking block, naming it', () => {
    const error = errorOf({
      model: 'claude',
      messages: [{ role: 'assistant', content: 'x', thinking_blocks: [{ type: 'redacted_thinking' }] }],
    });
    expect(error.status).toBe(400);
    expect(error.param).toBe('messages[0].thinking_blocks[0].data');
  });

  it('reads cache_control on parts, tool results and tools; a marked system part becomes a system message of its own', () => {
    const request = parseChatCompletionRequest({
      model: 'claude',
      messages: [
        {
          role: 'system',
          content: [
            { type: 'text', text: 'A long, stable instruction.', cache_control: { type: 'ephemeral', ttl: '1h' } },
            { type: 'text', text: 'Today is Monday.' },
          ],
        },
        {
          role: 'system',
          content: [
            { type: 'text', text: 'Plain ' },
            { type: 'text', text: 'parts.' },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'A long document.', cache_control: { type: 'ephemeral' } },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png' }, cache_control: { type: 'ephemeral' } },
          ],
        },
        { role: 'assistant', content: [{ type: 'text', text: 'Noted.', cache_control: { type: 'ephemeral' } }] },
        { role: 'tool', tool_call_id: 't1', content: [{ type: 'text', text: 'result', cache_control: { type: 'ephemeral' } }] },
      ],
      tools: [{ type: 'function', function: { name: 'lookup' }, cache_control: { type: 'ephemeral', ttl: '5m' } }],
    });
    expect(request.messages).toEqual([
      { role: 'system', content: 'A long, stable instruction.', cacheControl: { type: 'ephemeral', ttl: '1h' } },
      { role: 'system', content: 'Today is Monday.' },
      { role: 'system', content: 'Plain parts.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'A long document.', cacheControl: { type: 'ephemeral' } },
          { type: 'image', url: 'https://example.com/a.png', cacheControl: { type: 'ephemeral' } },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'Noted.', cacheControl: { type: 'ephemeral' } }] },
      { role: 'tool', toolCallId: 't1', content: 'result', cacheControl: { type: 'ephemeral' } },
    ]);
    expect(request.tools).toEqual([
      { name: 'lookup', parameters: { type: 'object', properties: {} }, cacheControl: { type: 'ephemeral', ttl: '5m' } },
    ]);
  });

  it('rejects a cache_control of another type or ttl, naming it', () => {
    const tools = (cacheControl: unknown) => [{ type: 'function', function: { name: 'lookup' }, cache_control: cacheControl }];
    const messages = [{ role: 'user', content: 'hi' }];
    expect(errorOf({ model: 'claude', messages, tools: tools({ type: 'persistent' }) }).param).toBe('tools[0].cache_control.type');
    expect(errorOf({ model: 'claude', messages, tools: tools({ type: 'ephemeral', ttl: '2h' }) }).param).toBe('tools[0].cache_control.ttl');
    // Inside a string-or-parts union the schema can only name the content as a whole.
    expect(
      errorOf({ model: 'claude', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'persistent' } }] }] })
        .param,
    ).toBe('messages[0].content');
  });
});

describe('parseEmbeddingsRequest', () => {
  it('accepts a string or a list of strings', () => {
    expect(parseEmbeddingsRequest({ model: 'e', input: 'one' })).toEqual({ request: { model: 'e', input: ['one'] }, encoding: 'float' });
    expect(parseEmbeddingsRequest({ model: 'e', input: ['a', 'b'], dimensions: 8 }).request).toEqual({
      model: 'e',
      input: ['a', 'b'],
      dimensions: 8,
    });
  });

  it('keeps the encoding the client asked for', () => {
    expect(parseEmbeddingsRequest({ model: 'e', input: 'x', encoding_format: 'base64' }).encoding).toBe('base64');
    expect(parseEmbeddingsRequest({ model: 'e', input: 'x', encoding_format: 'float' }).encoding).toBe('float');
  });

  it('rejects an unknown encoding and token arrays with the field named', () => {
    expect(() => parseEmbeddingsRequest({ model: 'e', input: 'x', encoding_format: 'int8' })).toThrow(/encoding_format/);
    try {
      parseEmbeddingsRequest({ model: 'e', input: [[1, 2]] });
      throw new Error('expected a rejection');
    } catch (error) {
      expect((error as GatewayError).param).toBe('input');
    }
  });
});

/** `{"a":{"a":…}}` nested `levels` deep, built without recursion. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 1; level < levels; level += 1) value = { a: value };
  return value;
}

function rejectionOf(parse: () => unknown): GatewayError {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error('expected the body to be rejected');
}

describe('request limits', () => {
  const messages = [{ role: 'user', content: 'hi' }];

  it('refuses JSON nested 10,000 levels deep in a tool schema, a response schema or an unknown field, naming where', () => {
    const tool = { type: 'function', function: { name: 'f', parameters: nested(10_000) } };
    const inTool = rejectionOf(() => parseChatCompletionRequest({ model: 'm', messages, tools: [tool] }));
    expect(inTool).toMatchObject({ status: 400, code: 'json_above_max_depth' });
    expect(inTool.param).toMatch(/^tools\[0\]\.function\.parameters(\.a)+/);
    const responseFormat = { type: 'json_schema', json_schema: { name: 's', schema: nested(10_000) } };
    const inSchema = rejectionOf(() => parseChatCompletionRequest({ model: 'm', messages, response_format: responseFormat }));
    expect(inSchema).toMatchObject({ status: 400, code: 'json_above_max_depth' });
    expect(inSchema.param).toMatch(/^response_format\.json_schema\.schema/);
    expect(rejectionOf(() => parseChatCompletionRequest({ model: 'm', messages, extra: [[[nested(100)]]] })).param).toMatch(/^extra\[0\]\[0\]\[0\]/);
    expect(rejectionOf(() => parseEmbeddingsRequest({ model: 'm', input: 'x', extra: nested(65) })).code).toBe('json_above_max_depth');
  });

  it('accepts nesting up to the limit', () => {
    const tool = { type: 'function', function: { name: 'f', parameters: nested(60) } };
    expect(parseChatCompletionRequest({ model: 'm', messages, tools: [tool] }).tools![0].parameters).toEqual(nested(60));
  });

  it('refuses a body of more JSON values than the limit', () => {
    const error = rejectionOf(() => parseChatCompletionRequest({ model: 'm', messages, extra: new Array(100_001).fill(0) }));
    expect(error).toMatchObject({ status: 400, code: 'json_above_max_size', param: 'extra' });
  });

  it('bounds model and user lengths', () => {
    expect(rejectionOf(() => parseChatCompletionRequest({ model: 'm'.repeat(50_000), messages }))).toMatchObject({
      status: 400,
      param: 'model',
      code: 'string_above_max_length',
    });
    expect(parseChatCompletionRequest({ model: 'm'.repeat(256), messages, user: 'u'.repeat(256) }).user).toHaveLength(256);
    expect(rejectionOf(() => parseChatCompletionRequest({ model: 'm', messages, user: 'u'.repeat(3_900_000) }))).toMatchObject({
      param: 'user',
      code: 'string_above_max_length',
    });
    expect(rejectionOf(() => parseEmbeddingsRequest({ model: 'm', input: 'x', user: 'u'.repeat(257) }))).toMatchObject({ param: 'user' });
  });

  it.each(['gpt-4o-mini\u0000', 'gpt\r\nx-injected: 1', 'gpt\u007f'])('refuses a model name with control characters (%j)', (model) => {
    expect(rejectionOf(() => parseChatCompletionRequest({ model, messages }))).toMatchObject({ status: 400, param: 'model', code: 'invalid_value' });
  });

  it('keeps a model name outside Latin-1 as it is', () => {
    expect(parseChatCompletionRequest({ model: 'gpt-4o-mini-ж', messages }).model).toBe('gpt-4o-mini-ж');
  });

  it('bounds metadata like OpenAI does', () => {
    expect(rejectionOf(() => parseChatCompletionRequest({ model: 'm', messages, metadata: { ['k'.repeat(65)]: 'v' } }))).toMatchObject({
      param: 'metadata',
      code: 'string_above_max_length',
    });
    expect(rejectionOf(() => parseChatCompletionRequest({ model: 'm', messages, metadata: { k: 'v'.repeat(513) } }))).toMatchObject({
      param: 'metadata',
    });
  });

  it('bounds the number and total size of embedding inputs', () => {
    expect(parseEmbeddingsRequest({ model: 'e', input: new Array(2_048).fill('x') }).request.input).toHaveLength(2_048);
    expect(rejectionOf(() => parseEmbeddingsRequest({ model: 'e', input: new Array(2_049).fill('x') }))).toMatchObject({
      status: 400,
      param: 'input',
      code: 'array_above_max_length',
    });
    expect(rejectionOf(() => parseEmbeddingsRequest({ model: 'e', input: ['x'.repeat(600_000), 'y'.repeat(600_000)] }))).toMatchObject({
      param: 'input',
      code: 'string_above_max_length',
    });
  });

  it('takes its bounds from the config', () => {
    const limits = { ...DEFAULT_REQUEST_LIMITS, modelMaxLength: 4, jsonMaxDepth: 3 };
    expect(rejectionOf(() => parseChatCompletionRequest({ model: 'model', messages }, limits)).param).toBe('model');
    // The body, `messages` and `messages[0]` are three levels: the content array is a fourth.
    expect(
      rejectionOf(() => parseChatCompletionRequest({ model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] }, limits))
        .param,
    ).toBe('messages[0].content');
  });
});
