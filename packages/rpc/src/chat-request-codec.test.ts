import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { chatV1 } from '@switchyard/proto';
import type { ChatRequest, ResponseFormat, ToolChoice } from '@switchyard/shared';
import { GatewayError } from '@switchyard/shared';
import { chatRequestFromProto, chatRequestToProto } from './chat-request-codec';

/** Canonical → proto → bytes → proto → canonical. */
function overTheWire(request: ChatRequest): ChatRequest {
  const bytes = toBinary(chatV1.ChatRequestSchema, chatRequestToProto(request));
  return chatRequestFromProto(fromBinary(chatV1.ChatRequestSchema, bytes));
}

const minimal: ChatRequest = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
  sampling: {},
  stream: false,
  includeUsage: false,
};

describe('chat request codec', () => {
  it('round-trips every message role and content part', () => {
    const request: ChatRequest = {
      ...minimal,
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          name: 'ada',
          content: [
            { type: 'text', text: 'What is in these images?' },
            { type: 'image', url: 'https://example.com/a.png' },
            { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' },
            { type: 'image', url: 'https://example.com/b.png', detail: 'high' },
            { type: 'image', url: 'https://example.com/c.png', detail: 'auto' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Let me look.' },
            { type: 'text', text: '' },
          ],
          toolCalls: [
            { id: 'call_1', name: 'lookup', arguments: '{"q":"cat"}' },
            { id: 'call_2', name: 'noop', arguments: '' },
          ],
          reasoning: 'The user wants a description.',
          refusal: 'I cannot identify people.',
        },
        { role: 'tool', toolCallId: 'call_1', content: '{"result":"a cat"}' },
        { role: 'assistant', content: [] },
        { role: 'system', content: '' },
        { role: 'tool', toolCallId: 'call_2', content: '' },
      ],
    };
    expect(overTheWire(request)).toStrictEqual(request);
  });

  it.each<ToolChoice>([{ mode: 'auto' }, { mode: 'none' }, { mode: 'required' }, { mode: 'tool', toolName: 'lookup' }])(
    'round-trips tool choice %o',
    (toolChoice) => {
      const request: ChatRequest = {
        ...minimal,
        tools: [
          { name: 'lookup', description: 'Looks things up', parameters: { type: 'object', properties: { q: { type: 'string' } } }, strict: true },
          { name: 'noop', parameters: {}, strict: false },
          { name: 'plain', parameters: { type: 'object' } },
        ],
        toolChoice,
        parallelToolCalls: false,
      };
      expect(overTheWire(request)).toStrictEqual(request);
    },
  );

  it.each<ResponseFormat>([
    { type: 'text' },
    { type: 'json_object' },
    { type: 'json_schema', name: 'answer', schema: { type: 'object', required: ['a'] } },
    { type: 'json_schema', name: 'answer', description: 'The answer', schema: { type: 'object' }, strict: true },
    { type: 'json_schema', name: 'answer', schema: {}, strict: false },
  ])('round-trips response format %o', (responseFormat) => {
    const request: ChatRequest = { ...minimal, responseFormat };
    expect(overTheWire(request)).toStrictEqual(request);
  });

  it('keeps zero and false values that are present', () => {
    const request: ChatRequest = {
      ...minimal,
      sampling: { temperature: 0, topP: 0, topK: 0, maxTokens: 0, presencePenalty: 0, frequencyPenalty: 0, n: 0 },
      seed: 0,
      user: '',
      parallelToolCalls: false,
      reasoning: { budgetTokens: 0 },
    };
    expect(overTheWire(request)).toStrictEqual(request);
  });

  it('round-trips every other field set', () => {
    const request: ChatRequest = {
      ...minimal,
      sampling: { temperature: 0.7, topP: 0.95, topK: 40, maxTokens: 1024, presencePenalty: -0.5, frequencyPenalty: 1.5, n: 3 },
      stop: ['\n\n', 'END'],
      seed: -42,
      user: 'user-7',
      metadata: { team: 'search', trace: 'abc' },
      stream: true,
      includeUsage: true,
      reasoning: { effort: 'high', budgetTokens: 2048 },
      parallelToolCalls: true,
      extraBody: { logprobs: true, top_logprobs: 2, logit_bias: { '50256': -100 }, vendor_field: null },
      providerOptions: { anthropic: { top_k: 5 } },
      dropUnsupportedParams: false,
      extraBodyFormat: 'anthropic',
    };
    expect(overTheWire(request)).toStrictEqual(request);
  });

  it('round-trips reasoning blocks with their signatures, and cache breakpoints', () => {
    const request: ChatRequest = {
      ...minimal,
      tools: [{ name: 'lookup', parameters: { type: 'object' }, cacheControl: { type: 'ephemeral' } }],
      messages: [
        { role: 'system', content: 'A long system prompt.', cacheControl: { type: 'ephemeral', ttl: '1h' } },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'A long document.', cacheControl: { type: 'ephemeral', ttl: '5m' } },
            { type: 'image', url: 'https://example.com/a.png', cacheControl: { type: 'ephemeral' } },
          ],
        },
        {
          role: 'assistant',
          content: [],
          toolCalls: [{ id: 'toolu_1', name: 'lookup', arguments: '{}' }],
          reasoningBlocks: [
            { type: 'thinking', text: 'I should look it up.', signature: 'EqQBCkgIARABGAIiQL' },
            { type: 'thinking', text: 'Unsigned.' },
            { type: 'redacted', data: 'EmwKAhgBEgy3va3pzix' },
          ],
        },
        { role: 'tool', toolCallId: 'toolu_1', content: 'found', cacheControl: { type: 'ephemeral' } },
      ],
    };
    expect(overTheWire(request)).toStrictEqual(request);
  });

  it.each(['minimal', 'low', 'medium', 'high'] as const)('round-trips reasoning effort %s', (effort) => {
    const request: ChatRequest = { ...minimal, reasoning: { effort } };
    expect(overTheWire(request)).toStrictEqual(request);
  });

  it('leaves absent optional fields absent', () => {
    expect(overTheWire(minimal)).toStrictEqual(minimal);
  });

  it('reads empty lists and maps back as absent, since proto3 cannot tell them apart', () => {
    const request: ChatRequest = {
      ...minimal,
      messages: [{ role: 'assistant', content: [], toolCalls: [] }],
      tools: [],
      stop: [],
      metadata: {},
    };
    expect(overTheWire(request)).toStrictEqual({ ...minimal, messages: [{ role: 'assistant', content: [] }] });
  });

  it('rejects a message without a role', () => {
    const message = create(chatV1.ChatRequestSchema, { model: 'm', messages: [{ content: [] }] });
    expect(() => chatRequestFromProto(message)).toThrow(GatewayError);
    expect(() => chatRequestFromProto(message)).toThrow('messages[0].role');
  });

  it('rejects unknown enumerated strings and broken JSON', () => {
    const badChoice = create(chatV1.ChatRequestSchema, { toolChoice: { mode: 'sometimes' } });
    const badFormat = create(chatV1.ChatRequestSchema, { responseFormat: { type: 'yaml' } });
    const badSchema = create(chatV1.ChatRequestSchema, { responseFormat: { type: 'json_schema', schemaJson: '{' } });
    const arraySchema = create(chatV1.ChatRequestSchema, { tools: [{ name: 't', parametersJson: '[]' }] });
    const badDetail = create(chatV1.ChatRequestSchema, {
      messages: [{ role: chatV1.Role.USER, content: [{ part: { case: 'image', value: { url: 'u', detail: 'ultra' } } }] }],
    });
    expect(() => chatRequestFromProto(badChoice)).toThrow('tool_choice.mode');
    expect(() => chatRequestFromProto(badFormat)).toThrow('response_format.type');
    expect(() => chatRequestFromProto(badSchema)).toThrow('not valid JSON');
    expect(() => chatRequestFromProto(arraySchema)).toThrow('not a JSON object');
    expect(() => chatRequestFromProto(badDetail)).toThrow('image.detail');
  });

  it('rejects an image in a system message', () => {
    const message = create(chatV1.ChatRequestSchema, {
      messages: [{ role: chatV1.Role.SYSTEM, content: [{ part: { case: 'image', value: { url: 'u' } } }] }],
    });
    expect(() => chatRequestFromProto(message)).toThrow('may only hold text');
  });
});
