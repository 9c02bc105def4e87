import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { fixturePath } from '../support/fixtures';
import { startReplayUpstream, type ReplayUpstream } from '../support/replay-upstream';
import { startSwitchyard, type Mode, type RunningSwitchyard } from './switchyard-harness';

/**
 * Nothing dropped silently: request fields Switchyard does not model reach an
 * OpenAI-format upstream unchanged; a translated provider (Anthropic) refuses
 * them by name, or drops them and says so in `x-switchyard-dropped-params`
 * when the request's header or the provider's config allows it.
 */

const openAIText = readFileSync(fixturePath('provider-responses/vercel-ai/packages/openai/src/chat/__fixtures__/openai-text.json'), 'utf8');
const openAIStream = readFileSync(
  fixturePath('provider-responses/openai-python/.inline-snapshot/external/e2aad469b71d1d4894ff833ea147020a9d875eb7ce644a0ff355581690a4cbfd.bin'),
);
const anthropicDirectory = 'provider-responses/vercel-ai/packages/anthropic/src/__fixtures__';
const anthropicText = readFileSync(fixturePath(anthropicDirectory, 'anthropic-text.json'), 'utf8');
/** One recorded event a line, framed as the Messages API sends it. */
const anthropicStream = readFileSync(fixturePath(anthropicDirectory, 'anthropic-text.chunks.txt'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`);

const UNMODELLED = {
  logprobs: true,
  top_logprobs: 2,
  logit_bias: { '50256': -100, '1734': 5 },
  vendor_sampling: { min_p: 0.05, guided_choice: ['yes', 'no'], nested: [{ depth: 2 }] },
};
const DROPPED = 'logprobs,top_logprobs,logit_bias,vendor_sampling';

/** The SDK sends a field it does not know as it is given: the unknown vendor field rides along in the params. */
function chatParams(model: string): OpenAI.Chat.ChatCompletionCreateParamsNonStreaming {
  return {
    model,
    messages: [
      { role: 'system', content: 'Answer briefly.' },
      { role: 'user', content: 'Hello' },
    ],
    temperature: 0.2,
    max_tokens: 64,
    ...UNMODELLED,
  };
}

describe.each<Mode>(['embedded', 'distributed'])('pass-through of unmodelled request fields (%s mode)', (mode) => {
  let openAIUpstream: ReplayUpstream;
  let anthropicUpstream: ReplayUpstream;
  let switchyard: RunningSwitchyard;
  let client: OpenAI;

  beforeAll(async () => {
    process.env.PASS_THROUGH_OPENAI_KEY = 'sk-pass-through-openai';
    process.env.PASS_THROUGH_ANTHROPIC_KEY = 'sk-ant-pass-through';
    openAIUpstream = await startReplayUpstream();
    anthropicUpstream = await startReplayUpstream();
    switchyard = await startSwitchyard(mode, {
      providers: {
        vllm: { kind: 'openai', baseUrl: `${openAIUpstream.origin}/v1`, apiKey: '${PASS_THROUGH_OPENAI_KEY}', models: ['gpt-4o-mini'] },
        claude: { kind: 'anthropic', baseUrl: `${anthropicUpstream.origin}/v1`, apiKey: '${PASS_THROUGH_ANTHROPIC_KEY}', models: ['claude-*'] },
        lenient: {
          kind: 'anthropic',
          baseUrl: `${anthropicUpstream.origin}/v1`,
          apiKey: '${PASS_THROUGH_ANTHROPIC_KEY}',
          models: ['lenient-*'],
          dropUnsupportedParams: true,
        },
      },
    });
    client = new OpenAI({ baseURL: switchyard.baseURL, apiKey: switchyard.apiKey ?? 'unused', maxRetries: 0 });
  }, 120_000);

  afterAll(async () => {
    await switchyard?.close();
    await openAIUpstream?.close();
    await anthropicUpstream?.close();
  });

  beforeEach(() => {
    openAIUpstream.requests.length = 0;
    anthropicUpstream.requests.length = 0;
  });

  // Checked against https://platform.openai.com/docs/api-reference/chat/create (logprobs, top_logprobs,
  // logit_bias are top-level body fields; a vendor's own fields sit beside them, as vLLM documents its extra parameters).
  it('sends logprobs, logit_bias and an unknown vendor field to an OpenAI-format upstream unchanged', async () => {
    openAIUpstream.enqueue({ body: openAIText });
    const completion = await client.chat.completions.create(chatParams('gpt-4o-mini'));
    expect(completion.choices[0].message.content).toBe(JSON.parse(openAIText).choices[0].message.content);

    expect(openAIUpstream.requests).toHaveLength(1);
    const [sent] = openAIUpstream.requests;
    expect(sent.url).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer sk-pass-through-openai');
    expect(sent.json).toMatchSnapshot('non-streaming body');
    expect(sent.json).toMatchObject(UNMODELLED);
  });

  it('sends them unchanged on a streamed request too', async () => {
    openAIUpstream.enqueue({ headers: { 'content-type': 'text/event-stream' }, body: [openAIStream] });
    const stream = await client.chat.completions.create({ ...chatParams('gpt-4o-mini'), stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).not.toBe('');
    const [sent] = openAIUpstream.requests;
    expect(sent.json).toMatchSnapshot('streaming body');
    expect(sent.json).toMatchObject(UNMODELLED);
  });

  it("streams back the provider's logprobs exactly as recorded", async () => {
    // openai-python's recording of a stream asked with logprobs: "Foo!" with each token's logprob.
    const recording = fixturePath(
      'provider-responses/openai-python/.inline-snapshot/external/83b060bae42eb41c4f1edbb7c1542b954b37d9dfd1910b964ddebc9677e6ae85.bin',
    );
    const recorded = readFileSync(recording, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('data: {'))
      .flatMap((line) => (JSON.parse(line.slice(6)) as { choices: { logprobs?: { content?: unknown[] | null } | null }[] }).choices)
      .flatMap((choice) => choice.logprobs?.content ?? []);
    expect(recorded.length).toBeGreaterThan(0);
    openAIUpstream.enqueue({ headers: { 'content-type': 'text/event-stream' }, body: [readFileSync(recording)] });
    const stream = await client.chat.completions.create({ ...chatParams('gpt-4o-mini'), stream: true });
    const received: unknown[] = [];
    for await (const chunk of stream) received.push(...(chunk.choices[0]?.logprobs?.content ?? []));
    expect(received).toEqual(recorded);
  });

  it('sends extra_body fields as top-level fields, and keeps provider_options out of the body', async () => {
    openAIUpstream.enqueue({ body: openAIText });
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hello' }],
      extra_body: { repetition_penalty: 1.1, top_k: 20 },
      provider_options: { anthropic: { top_k: 5 } },
    } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming);
    const [sent] = openAIUpstream.requests;
    expect(sent.json).toEqual({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }], repetition_penalty: 1.1, top_k: 20 });
  });

  it.each([false, true])('answers 400 naming the parameter and the provider when Anthropic cannot honour it (stream: %s)', async (stream) => {
    const error = await client.chat.completions.create({ ...chatParams('claude-sonnet-4-5'), stream }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const badRequest = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(badRequest.status).toBe(400);
    expect(badRequest.param).toBe('logprobs');
    expect(badRequest.code).toBe('unsupported_parameter');
    expect(badRequest.message).toContain('Provider claude');
    expect(badRequest.message).toContain("'logprobs'");
    // Refused before any call upstream.
    expect(anthropicUpstream.requests).toHaveLength(0);
  });

  it('drops them for Anthropic when the request allows it, and names them in a header', async () => {
    anthropicUpstream.enqueue({ body: anthropicText });
    const { data, response } = await client.chat.completions
      .create(chatParams('claude-sonnet-4-5'), { headers: { 'x-switchyard-drop-unsupported-params': 'true' } })
      .withResponse();
    expect(response.headers.get('x-switchyard-dropped-params')).toBe(DROPPED);
    expect(data.choices[0].message.content).toBe(JSON.parse(anthropicText).content[0].text);
    const [sent] = anthropicUpstream.requests;
    for (const name of Object.keys(UNMODELLED)) expect(sent.json).not.toHaveProperty(name);
    expect(sent.json).toMatchObject({ model: 'claude-sonnet-4-5', temperature: 0.2, max_tokens: 64 });
  });

  it('names the dropped parameters in the header of a stream', async () => {
    anthropicUpstream.enqueue({ headers: { 'content-type': 'text/event-stream' }, body: anthropicStream });
    const { data: stream, response } = await client.chat.completions
      .create({ ...chatParams('claude-sonnet-4-5'), stream: true }, { headers: { 'x-switchyard-drop-unsupported-params': 'true' } })
      .withResponse();
    expect(response.headers.get('x-switchyard-dropped-params')).toBe(DROPPED);
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).not.toBe('');
  });

  it("drops them when the provider's config allows it, unless the request's header says false", async () => {
    anthropicUpstream.enqueue({ body: anthropicText });
    const { response } = await client.chat.completions.create(chatParams('lenient-sonnet')).withResponse();
    expect(response.headers.get('x-switchyard-dropped-params')).toBe(DROPPED);

    const refused = await client.chat.completions
      .create(chatParams('lenient-sonnet'), { headers: { 'x-switchyard-drop-unsupported-params': 'false' } })
      .then(
        () => undefined,
        (caught: unknown) => caught as InstanceType<typeof OpenAI.APIError>,
      );
    expect(refused?.status).toBe(400);
    expect(refused?.param).toBe('logprobs');
    expect(anthropicUpstream.requests).toHaveLength(1);
  });

  it('refuses a drop header that is neither true nor false, by name', async () => {
    const refused = await client.chat.completions
      .create(chatParams('claude-sonnet-4-5'), { headers: { 'x-switchyard-drop-unsupported-params': 'yes' } })
      .then(
        () => undefined,
        (caught: unknown) => caught as InstanceType<typeof OpenAI.APIError>,
      );
    expect(refused?.status).toBe(400);
    expect(refused?.param).toBe('x-switchyard-drop-unsupported-params');
  });
});
