import { openAIHttpError } from './openai-error';

describe('openAIHttpError', () => {
  it("keeps OpenAI's own code for a prompt beyond the context window and a content-policy refusal", () => {
    const tooLong = JSON.stringify({
      error: {
        message: "This model's maximum context length is 128000 tokens.",
        type: 'invalid_request_error',
        param: 'messages',
        code: 'context_length_exceeded',
      },
    });
    expect(openAIHttpError('openai', 400, {}, tooLong)).toMatchObject({ status: 400, code: 'context_length_exceeded', param: 'messages' });
    const refused = JSON.stringify({ error: { message: 'The response was filtered.', type: null, param: 'prompt', code: 'content_filter' } });
    expect(openAIHttpError('azure', 400, {}, refused)).toMatchObject({ status: 400, code: 'content_filter' });
  });

  it('marks the words of compatible servers that send no code (vLLM)', () => {
    const body = JSON.stringify({
      object: 'error',
      message: "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens in the messages.",
      type: 'BadRequestError',
      param: null,
      code: 400,
    });
    expect(openAIHttpError('vllm', 400, {}, body)).toMatchObject({ status: 400, code: 'context_length_exceeded' });
  });
});
