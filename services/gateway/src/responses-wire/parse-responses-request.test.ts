import { isGatewayError } from '@switchyard/shared';
import { parseResponsesRequest, toChatRequest, type ResponseItem } from './parse-responses-request';

function refusal(run: () => unknown): { status: number; param: string | null; code: string | null } {
  try {
    run();
  } catch (error) {
    if (isGatewayError(error)) return { status: error.status, param: error.param ?? null, code: error.code ?? null };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('parseResponsesRequest and toChatRequest', () => {
  it('turns a string input into one user message item, and instructions into the system message', () => {
    const parsed = parseResponsesRequest({ model: 'm', input: 'Hello', instructions: 'Be brief.' });
    expect(parsed.inputItems).toEqual([
      { type: 'message', id: expect.stringMatching(/^msg_/), role: 'user', content: [{ type: 'input_text', text: 'Hello' }] },
    ]);
    expect(parsed.store).toBe(true);
    expect(toChatRequest(parsed).messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Hello' }] },
    ]);
  });

  it('maps every translated option to the canonical request', () => {
    const request = toChatRequest(
      parseResponsesRequest({
        model: 'm',
        input: 'x',
        stream: true,
        store: false,
        max_output_tokens: 100,
        temperature: 0.5,
        top_p: 0.9,
        user: 'u',
        metadata: { a: 'b' },
        parallel_tool_calls: false,
        reasoning: { effort: 'high' },
        tools: [{ type: 'function', name: 'f', parameters: { type: 'object' }, strict: true }],
        tool_choice: { type: 'function', name: 'f' },
        text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true } },
      }),
    );
    expect(request).toMatchObject({
      stream: true,
      includeUsage: true,
      sampling: { maxTokens: 100, temperature: 0.5, topP: 0.9 },
      user: 'u',
      metadata: { a: 'b' },
      parallelToolCalls: false,
      reasoning: { effort: 'high' },
      tools: [{ name: 'f', parameters: { type: 'object' }, strict: true }],
      toolChoice: { mode: 'tool', toolName: 'f' },
      responseFormat: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true },
    });
  });

  it('replays history before the input: an assistant message and its function calls form one turn, outputs become tool messages', () => {
    const history: ResponseItem[] = [
      { type: 'message', id: 'msg_1', role: 'user', content: [{ type: 'input_text', text: 'Weather?' }] },
      { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'thinking' }] },
      { type: 'message', id: 'msg_2', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.', annotations: [] }] },
      { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'weather', arguments: '{}' },
    ];
    const parsed = parseResponsesRequest({ model: 'm', input: [{ type: 'function_call_output', call_id: 'call_1', output: 'sunny' }] });
    expect(toChatRequest(parsed, history).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }], toolCalls: [{ id: 'call_1', name: 'weather', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'call_1', content: 'sunny' },
    ]);
  });

  it('keeps image parts and developer messages', () => {
    const parsed = parseResponsesRequest({
      model: 'm',
      input: [
        { role: 'developer', content: 'Rules.' },
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is this?' },
            { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'low' },
          ],
        },
      ],
    });
    expect(toChatRequest(parsed).messages).toEqual([
      { role: 'system', content: 'Rules.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image', url: 'https://example.com/a.png', detail: 'low' },
        ],
      },
    ]);
  });

  it("keeps untranslated top-level fields as sent, marked as the Responses API's", () => {
    const request = toChatRequest(parseResponsesRequest({ model: 'm', input: 'x', truncation: 'auto', include: ['a'] }));
    expect(request.extraBody).toEqual({ truncation: 'auto', include: ['a'] });
    expect(request.extraBodyFormat).toBe('openai-responses');
  });

  it.each([
    [{ model: 'm' }, 'input', 'missing_required_parameter'],
    [{ model: 'm', input: 'x', temperature: 3 }, 'temperature', 'invalid_value'],
    [{ model: 'm', input: [{ role: 'user', content: [{ type: 'input_audio' }] }] }, 'input[0].content[0].type', 'invalid_value'],
    [{ model: 'm\u0000', input: 'x' }, 'model', 'invalid_value'],
  ])('refuses %j naming %s', (body, param, code) => {
    expect(refusal(() => parseResponsesRequest(body))).toEqual({ status: 400, param, code });
  });

  it.each([
    [{ model: 'm', input: 'x', tools: [{ type: 'web_search' }] }, 'tools[0].type'],
    [{ model: 'm', input: 'x', tool_choice: { type: 'file_search' } }, 'tool_choice.type'],
    [{ model: 'm', input: [{ type: 'computer_call_output', call_id: 'c' }] }, 'input[0].type'],
    [{ model: 'm', input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file_1' }] }] }, 'input[0].content[0].file_id'],
    [{ model: 'm', input: 'x', text: { verbosity: 'low' } }, 'text.verbosity'],
  ])('refuses to translate %j, naming %s', (body, param) => {
    expect(refusal(() => toChatRequest(parseResponsesRequest(body)))).toEqual({ status: 400, param, code: 'unsupported_parameter' });
  });
});
