import { GatewayError, type ChatRequest } from '@switchyard/shared';
import { convertToAnthropicRequest, JSON_OBJECT_INSTRUCTION, unsupportedAnthropicParameters } from './convert-to-anthropic-request';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function chat(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'claude',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    sampling: {},
    stream: false,
    includeUsage: false,
    ...overrides,
  };
}

function rejection(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error('expected a GatewayError');
}

describe('convertToAnthropicRequest', () => {
  it('converts a conversation with system prompts, images, tools and tool results', () => {
    const request = chat({
      messages: [
        { role: 'system', content: 'You are a weather assistant.' },
        { role: 'system', content: 'Answer in one sentence.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Where was this taken, and what is the weather there and in Paris?' },
            { type: 'image', url: `data:image/png;base64,${PNG}`, detail: 'high' },
            { type: 'image', url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg' },
          ],
        },
        {
          role: 'assistant',
          content: [{ type: 'text', text: 'That is Lyon. Checking both cities.' }],
          toolCalls: [
            { id: 'toolu_01A', name: 'get_weather', arguments: '{"location":"Lyon"}' },
            { id: 'toolu_01B', name: 'get_weather', arguments: '{"location":"Paris","unit":"celsius"}' },
          ],
        },
        { role: 'tool', toolCallId: 'toolu_01A', content: '14°C, rain' },
        { role: 'tool', toolCallId: 'toolu_01B', content: '18°C, sunny' },
        { role: 'user', content: [{ type: 'text', text: 'Which is warmer?' }] },
      ],
      tools: [
        {
          name: 'get_weather',
          description: 'Get the current weather in a given location',
          parameters: {
            type: 'object',
            properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
            required: ['location'],
          },
        },
        { name: 'get_time', parameters: {}, strict: true },
      ],
      toolChoice: { mode: 'auto' },
      parallelToolCalls: false,
      sampling: { temperature: 0.2, topP: 0.9, topK: 40, maxTokens: 512, presencePenalty: 1 },
      stop: ['\n\nHuman:'],
      user: 'user-42',
      seed: 7,
    });

    expect(convertToAnthropicRequest('claude-sonnet-4-5', request)).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 512,
      system: 'You are a weather assistant.\n\nAnswer in one sentence.',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Where was this taken, and what is the weather there and in Paris?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
            { type: 'image', source: { type: 'url', url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'That is Lyon. Checking both cities.' },
            { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { location: 'Lyon' } },
            { type: 'tool_use', id: 'toolu_01B', name: 'get_weather', input: { location: 'Paris', unit: 'celsius' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_01A', content: '14°C, rain' },
            { type: 'tool_result', tool_use_id: 'toolu_01B', content: '18°C, sunny' },
            { type: 'text', text: 'Which is warmer?' },
          ],
        },
      ],
      tools: [
        {
          name: 'get_weather',
          description: 'Get the current weather in a given location',
          input_schema: {
            type: 'object',
            properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
            required: ['location'],
          },
        },
        { name: 'get_time', input_schema: { type: 'object' }, strict: true },
      ],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['\n\nHuman:'],
      metadata: { user_id: 'user-42' },
    });
  });

  it('sends max_tokens 4096 when the client gave none', () => {
    expect(convertToAnthropicRequest('claude', chat())).toEqual({
      model: 'claude',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    });
  });

  it.each([
    [{ mode: 'auto' } as const, undefined, { type: 'auto' }],
    [{ mode: 'required' } as const, undefined, { type: 'any' }],
    [{ mode: 'required' } as const, false, { type: 'any', disable_parallel_tool_use: true }],
    [{ mode: 'tool', toolName: 'get_weather' } as const, undefined, { type: 'tool', name: 'get_weather' }],
    [{ mode: 'none' } as const, false, { type: 'none' }],
    [undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
    [undefined, true, undefined],
  ])('tool choice %j with parallel tool calls %j → %j', (toolChoice, parallelToolCalls, expected) => {
    const body = convertToAnthropicRequest(
      'claude',
      chat({ tools: [{ name: 'get_weather', parameters: { type: 'object' } }], toolChoice, parallelToolCalls }),
    );
    expect(body.tool_choice).toEqual(expected);
  });

  it('sends no tool choice without tools', () => {
    expect(convertToAnthropicRequest('claude', chat({ toolChoice: { mode: 'required' } })).tool_choice).toBeUndefined();
  });

  it.each([
    [{ effort: 'low' } as const, 1024],
    [{ effort: 'medium' } as const, 4096],
    [{ effort: 'high' } as const, 16384],
    [{ effort: 'low', budgetTokens: 3000 } as const, 3000],
  ])('reasoning %j → a thinking budget of %i, on top of the default max_tokens', (reasoning, budget) => {
    const body = convertToAnthropicRequest('claude', chat({ reasoning }));
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: budget });
    expect(body.max_tokens).toBe(4096 + budget);
  });

  it('keeps the client max_tokens with thinking, and turns thinking off for a zero budget', () => {
    expect(convertToAnthropicRequest('claude', chat({ reasoning: { effort: 'high' }, sampling: { maxTokens: 20000 } })).max_tokens).toBe(20000);
    expect(convertToAnthropicRequest('claude', chat({ reasoning: { budgetTokens: 0 } })).thinking).toBeUndefined();
  });

  it('shrinks an effort budget to fit a smaller max_tokens, and rejects one below the minimum budget', () => {
    const body = convertToAnthropicRequest('claude', chat({ reasoning: { effort: 'high' }, sampling: { maxTokens: 5000 } }));
    expect(body).toMatchObject({ max_tokens: 5000, thinking: { type: 'enabled', budget_tokens: 4999 } });
    expect(rejection(() => convertToAnthropicRequest('claude', chat({ reasoning: { effort: 'low' }, sampling: { maxTokens: 1024 } })))).toMatchObject(
      {
        status: 400,
        param: 'max_tokens',
      },
    );
  });

  it('asks for json_schema output through output_config.format', () => {
    const schema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false };
    const body = convertToAnthropicRequest('claude', chat({ responseFormat: { type: 'json_schema', name: 'person', schema, strict: true } }));
    expect(body.output_config).toEqual({ format: { type: 'json_schema', schema } });
    expect(body.system).toBeUndefined();
  });

  it('asks for json_object output in the system prompt', () => {
    const body = convertToAnthropicRequest(
      'claude',
      chat({ messages: [{ role: 'system', content: 'Be brief.' }, ...chat().messages], responseFormat: { type: 'json_object' } }),
    );
    expect(body.system).toBe(`Be brief.\n\n${JSON_OBJECT_INSTRUCTION}`);
    expect(body.output_config).toBeUndefined();
  });

  it('sends a PDF data URL as a document block', () => {
    const body = convertToAnthropicRequest(
      'claude',
      chat({ messages: [{ role: 'user', content: [{ type: 'image', url: 'data:application/pdf;base64,JVBERi0xLjQK' }] }] }),
    );
    expect(body.messages[0].content).toEqual([{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' } }]);
  });

  it('drops empty text and an assistant turn left empty, and sends empty tool arguments as {}', () => {
    const body = convertToAnthropicRequest(
      'claude',
      chat({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: '' },
              { type: 'text', text: 'Time?' },
            ],
          },
          { role: 'assistant', content: [{ type: 'text', text: '' }] },
          { role: 'assistant', content: [], toolCalls: [{ id: 'toolu_1', name: 'get_time', arguments: '' }] },
        ],
      }),
    );
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Time?' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_time', input: {} }] },
    ]);
  });

  it("sends an assistant turn's reasoning blocks back first, signatures unchanged, and leaves unsigned thinking out", () => {
    const body = convertToAnthropicRequest(
      'claude',
      chat({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
          {
            role: 'assistant',
            content: [{ type: 'text', text: 'Let me check.' }],
            reasoning: 'Weather first.',
            reasoningBlocks: [
              { type: 'thinking', text: 'Weather first.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' },
              { type: 'redacted', data: 'EmwKAhgBEgy3va3pzix' },
              { type: 'thinking', text: 'From another provider, unsigned.' },
            ],
            toolCalls: [{ id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
          },
          { role: 'tool', toolCallId: 'toolu_1', content: '18°C' },
        ],
      }),
    );
    expect(body.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'Weather first.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' },
        { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
      ],
    });
  });

  it('puts cache_control on system blocks, parts, tool results and tools', () => {
    const body = convertToAnthropicRequest(
      'claude',
      chat({
        messages: [
          { role: 'system', content: 'A long, stable instruction.', cacheControl: { type: 'ephemeral', ttl: '1h' } },
          { role: 'system', content: 'Today is Monday.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'A long document.', cacheControl: { type: 'ephemeral' } },
              { type: 'image', url: `data:image/png;base64,${PNG}`, cacheControl: { type: 'ephemeral' } },
            ],
          },
          { role: 'assistant', content: [], toolCalls: [{ id: 'toolu_1', name: 'lookup', arguments: '{}' }] },
          { role: 'tool', toolCallId: 'toolu_1', content: 'result', cacheControl: { type: 'ephemeral' } },
        ],
        tools: [{ name: 'lookup', parameters: { type: 'object' }, cacheControl: { type: 'ephemeral', ttl: '5m' } }],
      }),
    );
    expect(body.system).toEqual([
      { type: 'text', text: 'A long, stable instruction.', cache_control: { type: 'ephemeral', ttl: '1h' } },
      { type: 'text', text: 'Today is Monday.' },
    ]);
    expect(body.messages[0].content).toEqual([
      { type: 'text', text: 'A long document.', cache_control: { type: 'ephemeral' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG }, cache_control: { type: 'ephemeral' } },
    ]);
    expect(body.messages[2].content).toEqual([
      { type: 'tool_result', tool_use_id: 'toolu_1', content: 'result', cache_control: { type: 'ephemeral' } },
    ]);
    expect(body.tools).toEqual([{ name: 'lookup', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral', ttl: '5m' } }]);
  });

  it('names the parameters Anthropic cannot honour, by the names clients send', () => {
    expect(unsupportedAnthropicParameters(chat())).toEqual([]);
    expect(unsupportedAnthropicParameters(chat({ sampling: { n: 1, temperature: 0.2 } }))).toEqual([]);
    expect(
      unsupportedAnthropicParameters(
        chat({ sampling: { n: 2, presencePenalty: 0.1, frequencyPenalty: 0.2 }, seed: 7, metadata: { session: 'abc' } }),
      ),
    ).toEqual(['n', 'presence_penalty', 'frequency_penalty', 'seed']);
  });

  it('rejects what Anthropic cannot take, naming the field', () => {
    expect(
      rejection(() =>
        convertToAnthropicRequest('claude', chat({ messages: [{ role: 'user', content: [{ type: 'image', url: 'ftp://example.com/a.png' }] }] })),
      ),
    ).toMatchObject({ status: 400, param: 'messages[0].content[0]' });
    expect(
      rejection(() =>
        convertToAnthropicRequest(
          'claude',
          chat({ messages: [{ role: 'user', content: [{ type: 'image', url: 'data:image/svg+xml,%3Csvg%3E' }] }] }),
        ),
      ),
    ).toMatchObject({ status: 400, param: 'messages[0].content[0]' });
    expect(
      rejection(() =>
        convertToAnthropicRequest(
          'claude',
          chat({ messages: [{ role: 'assistant', content: [], toolCalls: [{ id: 't', name: 'f', arguments: '[1,2]' }] }] }),
        ),
      ),
    ).toMatchObject({ status: 400, param: 'messages[0].tool_calls[0].function.arguments' });
  });
});
