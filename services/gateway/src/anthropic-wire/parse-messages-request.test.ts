import { parseMessagesRequest } from './parse-messages-request';

const base = { model: 'claude-sonnet-4-5', max_tokens: 1024 };

describe('parseMessagesRequest', () => {
  it('maps a full Messages body onto the canonical request', () => {
    const request = parseMessagesRequest({
      ...base,
      stream: true,
      system: [
        { type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'Answer in French.' },
      ],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?', cache_control: { type: 'ephemeral', ttl: '1h' } },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Look at it.', signature: 'sig-1' },
            { type: 'redacted_thinking', data: 'opaque' },
            { type: 'text', text: 'Let me check.' },
            { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'cat' } },
          ],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'toolu_1',
              content: [
                { type: 'text', text: 'a ' },
                { type: 'text', text: 'cat' },
              ],
            },
            { type: 'text', text: 'Thanks' },
          ],
        },
      ],
      tools: [
        {
          name: 'lookup',
          description: 'Looks up',
          input_schema: { type: 'object', properties: { q: { type: 'string' } } },
          cache_control: { type: 'ephemeral' },
        },
      ],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      stop_sequences: ['END'],
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      metadata: { user_id: 'user-7' },
      thinking: { type: 'enabled', budget_tokens: 2048 },
    });
    expect(request).toEqual({
      model: 'claude-sonnet-4-5',
      stream: true,
      includeUsage: true,
      sampling: { maxTokens: 1024, temperature: 0.2, topP: 0.9, topK: 40 },
      messages: [
        { role: 'system', content: 'You are terse.', cacheControl: { type: 'ephemeral' } },
        { role: 'system', content: 'Answer in French.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?', cacheControl: { type: 'ephemeral', ttl: '1h' } },
            { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=' },
            { type: 'image', url: 'https://example.com/cat.jpg' },
            { type: 'image', url: 'data:application/pdf;base64,JVBERi0=' },
          ],
        },
        {
          role: 'assistant',
          content: [{ type: 'text', text: 'Let me check.' }],
          toolCalls: [{ id: 'toolu_1', name: 'lookup', arguments: '{"q":"cat"}' }],
          reasoning: 'Look at it.',
          reasoningBlocks: [
            { type: 'thinking', text: 'Look at it.', signature: 'sig-1' },
            { type: 'redacted', data: 'opaque' },
          ],
        },
        { role: 'tool', toolCallId: 'toolu_1', content: 'a cat' },
        { role: 'user', content: [{ type: 'text', text: 'Thanks' }] },
      ],
      tools: [
        {
          name: 'lookup',
          description: 'Looks up',
          parameters: { type: 'object', properties: { q: { type: 'string' } } },
          cacheControl: { type: 'ephemeral' },
        },
      ],
      toolChoice: { mode: 'required' },
      parallelToolCalls: false,
      stop: ['END'],
      user: 'user-7',
      reasoning: { budgetTokens: 2048 },
    });
  });

  it('reads string content, a string system prompt, the other tool choices and thinking modes', () => {
    const request = parseMessagesRequest({
      ...base,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Hi' }],
      tool_choice: { type: 'tool', name: 'lookup' },
      thinking: { type: 'adaptive' },
      output_config: { format: { type: 'json_schema', schema: { type: 'object' } } },
    });
    expect(request.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
    ]);
    expect(request.stream).toBe(false);
    expect(request.includeUsage).toBe(false);
    expect(request.toolChoice).toEqual({ mode: 'tool', toolName: 'lookup' });
    expect(request.reasoning).toEqual({ effort: 'high' });
    expect(request.responseFormat).toEqual({ type: 'json_schema', name: 'output', schema: { type: 'object' } });
    expect(parseMessagesRequest({ ...base, messages: [{ role: 'user', content: 'x' }], thinking: { type: 'disabled' } }).reasoning).toEqual({
      budgetTokens: 0,
    });
    expect(parseMessagesRequest({ ...base, messages: [{ role: 'user', content: 'x' }], tool_choice: { type: 'none' } }).toolChoice).toEqual({
      mode: 'none',
    });
    expect(parseMessagesRequest({ ...base, messages: [{ role: 'user', content: 'x' }], output_config: { effort: 'low' } }).reasoning).toEqual({
      effort: 'low',
    });
  });

  it('keeps top-level fields it does not map in extraBody, exactly as sent', () => {
    const request = parseMessagesRequest({
      ...base,
      messages: [{ role: 'user', content: 'x' }],
      service_tier: 'standard_only',
      context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] },
    });
    expect(request.extraBody).toEqual({ service_tier: 'standard_only', context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] } });
    expect(parseMessagesRequest({ ...base, messages: [{ role: 'user', content: 'x' }] }).extraBody).toBeUndefined();
  });

  it.each([
    [{ model: 'claude', messages: [{ role: 'user', content: 'x' }] }, 'max_tokens', 'missing_required_parameter'],
    [{ ...base, messages: [] }, 'messages', 'invalid_value'],
    [{ ...base, messages: [{ role: 'user', content: 'x' }], temperature: 1.5 }, 'temperature', 'invalid_value'],
    [{ ...base, messages: [{ role: 'user', content: [{ type: 'video', url: 'x' }] }] }, 'messages[0].content[0].type', 'invalid_value'],
    [
      { ...base, messages: [{ role: 'user', content: [{ type: 'tool_use', id: 'a', name: 'b', input: {} }] }] },
      'messages[0].content[0].type',
      'invalid_value',
    ],
    [
      { ...base, messages: [{ role: 'assistant', content: [{ type: 'tool_result', tool_use_id: 'a' }] }] },
      'messages[0].content[0].type',
      'invalid_value',
    ],
    [
      { ...base, messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'web_search_20250305', name: 'web_search' }] },
      'tools[0].type',
      'invalid_value',
    ],
    [{ ...base, messages: [{ role: 'user', content: 'x' }], thinking: { type: 'enabled' } }, 'thinking.budget_tokens', 'missing_required_parameter'],
    [{ ...base, model: 'claude\nx', messages: [{ role: 'user', content: 'x' }] }, 'model', 'invalid_value'],
  ])('refuses %j naming %s', (body, param, code) => {
    expect(() => parseMessagesRequest(body)).toThrow(expect.objectContaining({ status: 400, param, code }));
  });

  it('refuses a body nested past the depth bound before validating it', () => {
    let deep: unknown = 'x';
    for (let level = 0; level < 100; level += 1) deep = [deep];
    expect(() => parseMessagesRequest({ ...base, messages: [{ role: 'user', content: 'x' }], extra: deep })).toThrow(
      expect.objectContaining({ status: 400, code: 'json_above_max_depth' }),
    );
  });
});
