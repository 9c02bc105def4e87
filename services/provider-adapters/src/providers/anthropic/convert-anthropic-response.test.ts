import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ProviderError } from '@switchyard/shared';
import { convertAnthropicResponse } from './convert-anthropic-response';

const FIXTURES = path.resolve(__dirname, '../../../../..', '../shared/fixtures/provider-responses/vercel-ai/packages/anthropic/src/__fixtures__');
const CREATED = 1_767_225_600;

function convertFixture(name: string) {
  return convertAnthropicResponse('anthropic', readFileSync(path.join(FIXTURES, name), 'utf8'), CREATED);
}

function failure(bodyText: string): ProviderError {
  try {
    convertAnthropicResponse('anthropic', bodyText);
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected a ProviderError');
}

describe('convertAnthropicResponse', () => {
  it('anthropic-text.json', () => {
    expect(convertFixture('anthropic-text.json')).toEqual({
      id: 'msg_01VdEjxAP5ahtHKrrRdNBteQ',
      model: 'claude-sonnet-4-5-20250929',
      created: CREATED,
      choices: [
        {
          index: 0,
          message: { content: "Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?" },
          finishReason: 'stop',
        },
      ],
      usage: { inputTokens: 12, outputTokens: 29, cachedInputTokens: 0, cacheWriteTokens: 0 },
    });
  });

  it('anthropic-json-tool.1.json: the tool input as JSON arguments, no content', () => {
    const response = convertFixture('anthropic-json-tool.1.json');
    expect(response.choices[0]).toEqual({
      index: 0,
      message: {
        content: null,
        toolCalls: [
          {
            id: 'toolu_01Q9ExVZnzZj7E2QQYHYtNUa',
            name: 'json',
            arguments:
              '{"elements":[{"location":"San Francisco","temperature":-5,"condition":"snowy"},' +
              '{"location":"London","temperature":0,"condition":"snowy"},' +
              '{"location":"Paris","temperature":23,"condition":"cloudy"},' +
              '{"location":"Berlin","temperature":-9,"condition":"snowy"}]}',
          },
        ],
      },
      finishReason: 'tool_calls',
    });
    expect(response.usage).toEqual({ inputTokens: 1151, outputTokens: 87, cachedInputTokens: 0, cacheWriteTokens: 0 });
  });

  it('anthropic-claude-opus-5-reasoning-high.1.json: thinking as reasoning, thinking tokens as reasoning tokens', () => {
    const response = convertFixture('anthropic-claude-opus-5-reasoning-high.1.json');
    const { message } = response.choices[0];
    expect(message.reasoning).toMatch(/^I need to find all roots of this cubic polynomial and verify them\./);
    expect(message.reasoning).toMatch(/exactly 3 roots\.$/);
    expect(message.content).toMatch(/^## Step 1: Set up the problem\n/);
    expect(message.content).toMatch(/independently confirming the answer\.$/);
    expect(message.reasoningBlocks).toEqual([
      { type: 'thinking', text: message.reasoning, signature: expect.stringMatching(/^CAISqwQKhwEIEBgCKkAciZ.*cYAQ==$/) },
    ]);
    expect(message.reasoningBlocks![0].type === 'thinking' && message.reasoningBlocks![0].signature).toHaveLength(752);
    expect(response.usage).toEqual({ inputTokens: 51, outputTokens: 1699, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 139 });
  });

  it('anthropic-refusal.json: the explanation as the refusal, content_filter', () => {
    expect(convertFixture('anthropic-refusal.json').choices[0]).toEqual({
      index: 0,
      message: {
        content: null,
        refusal: "This request triggered restrictions on violative cyber content and was blocked under Anthropic's Usage Policy.",
      },
      finishReason: 'content_filter',
    });
    expect(convertFixture('anthropic-refusal-no-details.json').choices[0]).toEqual({
      index: 0,
      message: { content: null },
      finishReason: 'content_filter',
    });
  });

  it('anthropic-web-search-tool.1.json: server tool blocks are left out, the text blocks kept', () => {
    const response = convertFixture('anthropic-web-search-tool.1.json');
    const { message } = response.choices[0];
    expect(message.toolCalls).toBeUndefined();
    expect(message.content).toMatch(/^Let me search for more specific tech news from today \(September 26, 2024\)\.Based on the search results/);
    expect(response.usage).toEqual({ inputTokens: 27118, outputTokens: 600, cachedInputTokens: 0, cacheWriteTokens: 0 });
  });

  it('keeps thinking and redacted thinking blocks whole and in order', () => {
    const response = convertAnthropicResponse(
      'anthropic',
      JSON.stringify({
        id: 'msg_1',
        model: 'claude-sonnet-4-5',
        content: [
          { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
          { type: 'thinking', thinking: 'Weather first.', signature: 'sig-1' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
        ],
        stop_reason: 'tool_use',
        usage: { input_tokens: 10, output_tokens: 20 },
      }),
    );
    expect(response.choices[0].message).toEqual({
      content: null,
      reasoning: 'Weather first.',
      reasoningBlocks: [
        { type: 'redacted', data: 'EmwKAhgBEgy3va3pzix' },
        { type: 'thinking', text: 'Weather first.', signature: 'sig-1' },
      ],
      toolCalls: [{ id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
    });
  });

  it('a body that is not JSON, or not a message, is a bad response', () => {
    expect(failure('<html>Bad gateway</html>')).toMatchObject({ status: 502, code: 'upstream_bad_response' });
    const missingContent = failure('{"id":"msg_1","model":"claude","stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}');
    expect(missingContent.message).toContain('content');
    expect(failure('{"id":"msg_1","model":"claude","content":[{"type":"text"}],"usage":{}}').message).toContain('content.0');
  });
});
