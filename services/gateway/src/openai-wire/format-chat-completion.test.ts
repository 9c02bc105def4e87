import type { ChatResponse } from '@switchyard/shared';
import { formatChatCompletion } from './format-chat-completion';

describe('formatChatCompletion', () => {
  const response: ChatResponse = {
    id: 'chatcmpl-1',
    model: 'gpt-4o-mini',
    created: 1727346168,
    choices: [{ index: 0, message: { content: 'Hi' }, finishReason: 'stop' }],
  };

  it('writes logprobs null and no service_tier when the provider sent neither', () => {
    const body = formatChatCompletion(response);
    expect((body.choices as Record<string, unknown>[])[0].logprobs).toBeNull();
    expect(body).not.toHaveProperty('service_tier');
  });

  it("writes the provider's logprobs and service_tier back as OpenAI does", () => {
    const logprobs = {
      content: [{ token: 'Hi', logprob: -0.01, bytes: [72, 105], top_logprobs: [{ token: 'Hi', logprob: -0.01, bytes: [72, 105] }] }],
      refusal: null,
    };
    const body = formatChatCompletion({ ...response, serviceTier: 'default', choices: [{ ...response.choices[0], logprobs }] });
    expect(body.service_tier).toBe('default');
    expect((body.choices as Record<string, unknown>[])[0].logprobs).toEqual(logprobs);
  });
});
