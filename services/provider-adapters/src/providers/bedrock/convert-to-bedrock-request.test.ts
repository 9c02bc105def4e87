import { GatewayError, type ChatRequest } from '@switchyard/shared';
import { convertToBedrockRequest, isAnthropicModel, JSON_OBJECT_INSTRUCTION } from './convert-to-bedrock-request';

const CLAUDE = 'anthropic.claude-3-7-sonnet-20250219-v1:0';

function chat(overrides: Partial<ChatRequest>): ChatRequest {
  return {
    model: CLAUDE,
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

describe('convertToBedrockRequest', () => {
  it('sends reasoning blocks back first in their assistant turn, signatures and redacted data unchanged', () => {
    const { body } = convertToBedrockRequest(
      CLAUDE,
      chat({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
          {
            role: 'assistant',
            content: [{ type: 'text', text: 'Let me look.' }],
            reasoningBlocks: [
              { type: 'thinking', text: 'I should call the tool.', signature: 'sig-1' },
              { type: 'redacted', data: 'ZW5jcnlwdGVk' },
            ],
            toolCalls: [{ id: 'tooluse_1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
          },
          { role: 'tool', toolCallId: 'tooluse_1', content: '21 degrees' },
        ],
      }),
    );
    expect(body.messages).toEqual([
      { role: 'user', content: [{ text: 'Weather in Paris?' }] },
      {
        role: 'assistant',
        content: [
          { reasoningContent: { reasoningText: { text: 'I should call the tool.', signature: 'sig-1' } } },
          { reasoningContent: { redactedContent: 'ZW5jcnlwdGVk' } },
          { text: 'Let me look.' },
          { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', input: { city: 'Paris' } } },
        ],
      },
      { role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_1', content: [{ text: '21 degrees' }] } }] },
    ]);
  });

  it('marks prompt-cache breakpoints with cachePoint blocks after the system prompt, a part and a tool', () => {
    const { body } = convertToBedrockRequest(
      CLAUDE,
      chat({
        messages: [
          { role: 'system', content: 'Long instructions', cacheControl: { type: 'ephemeral' } },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Long document', cacheControl: { type: 'ephemeral' } },
              { type: 'text', text: 'Question' },
            ],
          },
        ],
        tools: [{ name: 'search', parameters: { type: 'object' }, cacheControl: { type: 'ephemeral' } }],
      }),
    );
    expect(body.system).toEqual([{ text: 'Long instructions' }, { cachePoint: { type: 'default' } }]);
    expect(body.messages[0].content).toEqual([{ text: 'Long document' }, { cachePoint: { type: 'default' } }, { text: 'Question' }]);
    expect(body.toolConfig?.tools).toEqual([
      { toolSpec: { name: 'search', inputSchema: { json: { type: 'object' } } } },
      { cachePoint: { type: 'default' } },
    ]);
  });

  it('takes images and PDFs as base64 bytes, and refuses links with a clear error', () => {
    const { body } = convertToBedrockRequest(
      CLAUDE,
      chat({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', url: 'data:image/jpeg;base64,/9j/4AAQ' },
              { type: 'image', url: 'data:application/pdf;base64,JVBERi0=' },
            ],
          },
        ],
      }),
    );
    expect(body.messages[0].content).toEqual([
      { image: { format: 'jpeg', source: { bytes: '/9j/4AAQ' } } },
      { document: { format: 'pdf', name: 'document', source: { bytes: 'JVBERi0=' } } },
    ]);
    const link = rejection(() =>
      convertToBedrockRequest(CLAUDE, chat({ messages: [{ role: 'user', content: [{ type: 'image', url: 'https://example.com/a.png' }] }] })),
    );
    expect(link).toMatchObject({ status: 400, param: 'messages[0].content[0]' });
    expect(link.message).toMatch(/base64 data URLs/);
    const tiff = rejection(() =>
      convertToBedrockRequest(CLAUDE, chat({ messages: [{ role: 'user', content: [{ type: 'image', url: 'data:image/tiff;base64,AAAA' }] }] })),
    );
    expect(tiff.message).toMatch(/image\/tiff/);
  });

  it('puts thinking and top_k of Anthropic models in additionalModelRequestFields, with max tokens above the budget', () => {
    const { body, unsupported } = convertToBedrockRequest(
      'us.anthropic.claude-sonnet-4-20250514-v1:0',
      chat({ reasoning: { budgetTokens: 2048 }, sampling: { topK: 40 } }),
    );
    expect(body.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 2048 }, top_k: 40 });
    expect(body.inferenceConfig).toEqual({ maxTokens: 2048 + 4096 });
    expect(unsupported).toEqual([]);
  });

  it('names what Converse cannot honour for the model instead of dropping it', () => {
    const { body, unsupported } = convertToBedrockRequest(
      'meta.llama3-70b-instruct-v1:0',
      chat({
        reasoning: { effort: 'high' },
        sampling: { topK: 5, presencePenalty: 1, frequencyPenalty: 1 },
        seed: 7,
        responseFormat: { type: 'json_schema', name: 'x', schema: { type: 'object' } },
        tools: [{ name: 't', parameters: {} }],
        toolChoice: { mode: 'none' },
        parallelToolCalls: false,
      }),
    );
    expect(unsupported.sort()).toEqual(
      ['frequency_penalty', 'parallel_tool_calls', 'presence_penalty', 'reasoning_effort', 'response_format', 'seed', 'tool_choice', 'top_k'].sort(),
    );
    expect(body.additionalModelRequestFields).toBeUndefined();
    expect(body.toolConfig).toEqual({ tools: [{ toolSpec: { name: 't', inputSchema: { json: { type: 'object' } } } }] });
  });

  it('asks for JSON in the system prompt for json_object, and maps tool choices', () => {
    const { body } = convertToBedrockRequest(
      CLAUDE,
      chat({
        responseFormat: { type: 'json_object' },
        tools: [{ name: 'lookup', parameters: { type: 'object' } }],
        toolChoice: { mode: 'tool', toolName: 'lookup' },
      }),
    );
    expect(body.system).toEqual([{ text: JSON_OBJECT_INSTRUCTION }]);
    expect(body.toolConfig?.toolChoice).toEqual({ tool: { name: 'lookup' } });
  });

  it('refuses n > 1 and tool-call arguments that are not a JSON object', () => {
    expect(rejection(() => convertToBedrockRequest(CLAUDE, chat({ sampling: { n: 2 } })))).toMatchObject({ param: 'n' });
    const bad = rejection(() =>
      convertToBedrockRequest(
        CLAUDE,
        chat({ messages: [{ role: 'assistant', content: [], toolCalls: [{ id: 'a', name: 'b', arguments: '[1]' }] }] }),
      ),
    );
    expect(bad).toMatchObject({ param: 'messages[0].tool_calls[0].function.arguments' });
  });

  it('recognises Claude model ids, inference profiles and ARNs', () => {
    expect(isAnthropicModel('anthropic.claude-3-haiku-20240307-v1:0')).toBe(true);
    expect(isAnthropicModel('eu.anthropic.claude-3-7-sonnet-20250219-v1:0')).toBe(true);
    expect(isAnthropicModel('arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2')).toBe(true);
    expect(isAnthropicModel('amazon.nova-pro-v1:0')).toBe(false);
  });

  it('only counts parallel_tool_calls: false against a request with tools', () => {
    expect(convertToBedrockRequest(CLAUDE, chat({ parallelToolCalls: false })).unsupported).toEqual([]);
    expect(convertToBedrockRequest(CLAUDE, chat({ parallelToolCalls: false, tools: [{ name: 't', parameters: {} }] })).unsupported).toEqual([
      'parallel_tool_calls',
    ]);
  });
});
