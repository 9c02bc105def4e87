import {
  createLogger,
  GatewayError,
  ProviderError,
  providerHttpError,
  providerUnreachable,
  type CallContext,
  type ChatRequest,
  type ChatResponse,
  type Deployment,
  type EmbeddingRequest,
  type EmbeddingResponse,
  type ProviderAdapterService,
  type StreamPart,
} from '@switchyard/shared';
import { startGrpcServer, type RunningGrpcServer } from '@switchyard/rpc';
import { AdapterGrpcClient } from './adapter-grpc-client';
import { adapterGrpcService } from './adapter-grpc-server';
import { waitFor as waitForValue } from '../../../../test/support/wait-for';

const logger = createLogger('test', 'silent');

const EVERY_PART: StreamPart[] = [
  { type: 'response-start', id: 'chatcmpl-1', model: 'gpt-4o-mini', created: 1_735_689_600, systemFingerprint: 'fp_1' },
  { type: 'reasoning-delta', choice: 0, text: 'Thinking' },
  { type: 'text-delta', choice: 0, text: 'Hello' },
  { type: 'refusal-delta', choice: 1, text: 'No' },
  { type: 'tool-call-start', choice: 0, index: 0, id: 'call_1', name: 'lookup' },
  { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: '{"q":"x"}' },
  { type: 'finish', choice: 0, finishReason: 'tool_calls' },
  { type: 'finish', choice: 1, finishReason: 'content_filter' },
  { type: 'usage', usage: { inputTokens: 12, outputTokens: 7, cachedInputTokens: 0, reasoningTokens: 3 } },
];

const RESPONSE: ChatResponse = {
  id: 'chatcmpl-1',
  model: 'gpt-4o-mini',
  created: 1_735_689_600,
  choices: [{ index: 0, message: { content: 'Hello' }, finishReason: 'stop' }],
  usage: { inputTokens: 12, outputTokens: 1 },
};

const EMBEDDINGS: EmbeddingResponse = {
  model: 'text-embedding-3-small',
  data: [{ index: 0, vector: [0.5, -0.25] }],
  usage: { inputTokens: 2, outputTokens: 0 },
};

const REQUEST: ChatRequest = {
  model: 'fast',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
  sampling: { temperature: 0 },
  stream: true,
  includeUsage: true,
};

const RATE_LIMITED = providerHttpError('openai', 429, 'Too many requests', '7');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * In-memory adapters; the deployment's model picks the behaviour. They
 * record each call's context and whether a stream's source was released.
 */
class FakeAdapters implements ProviderAdapterService {
  readonly calls: { deployment: Deployment; request: ChatRequest | EmbeddingRequest; context: CallContext }[] = [];
  produced = 0;
  /** An 'endless' stream has handed over a part and not been asked for the next one yet. */
  awaitingPull = false;
  sourceReleased = false;
  /** Lets a 'gated' stream go on past its first part. */
  openGate: () => void = () => {};
  private readonly gate = new Promise<void>((resolve) => (this.openGate = resolve));

  async complete(deployment: Deployment, request: ChatRequest, context: CallContext): Promise<ChatResponse> {
    this.calls.push({ deployment, request, context });
    if (deployment.model === 'rate-limited') throw RATE_LIMITED;
    return RESPONSE;
  }

  async stream(deployment: Deployment, request: ChatRequest, context: CallContext): Promise<AsyncIterable<StreamPart>> {
    this.calls.push({ deployment, request, context });
    switch (deployment.model) {
      case 'rate-limited':
        throw RATE_LIMITED;
      case 'hang':
        await new Promise((resolve) => context.signal.addEventListener('abort', resolve));
        throw context.signal.reason;
      default:
        return this.parts(deployment.model, context);
    }
  }

  async embed(deployment: Deployment, request: EmbeddingRequest, context: CallContext): Promise<EmbeddingResponse> {
    this.calls.push({ deployment, request, context });
    return EMBEDDINGS;
  }

  private async *parts(model: string, context: CallContext): AsyncGenerator<StreamPart> {
    try {
      if (model === 'empty') return;
      if (model === 'every-part') return yield* EVERY_PART;
      if (model === 'fail-mid') {
        yield* EVERY_PART.slice(0, 2);
        throw providerUnreachable('openai', new Error('socket hang up'));
      }
      if (model === 'gated') {
        yield EVERY_PART[0];
        await this.gate;
        return yield* EVERY_PART.slice(1);
      }
      // 'endless': 1 KiB text deltas until the signal aborts, letting I/O run between batches.
      const text = 'x'.repeat(1024);
      while (!context.signal.aborted) {
        this.produced += 1;
        this.awaitingPull = true;
        yield { type: 'text-delta', choice: 0, text };
        this.awaitingPull = false;
        if (this.produced % 64 === 0) await new Promise(setImmediate);
      }
    } finally {
      this.sourceReleased = true;
    }
  }
}

function deployment(model: string): Deployment {
  return { id: `openai/${model}`, providerId: 'openai', model };
}

function callContext(signal = new AbortController().signal, requestId = 'req-1'): CallContext {
  return { requestId, signal };
}

async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const collected: StreamPart[] = [];
  for await (const part of parts) collected.push(part);
  return collected;
}

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describe('provider adapters over gRPC', () => {
  let adapters: FakeAdapters;
  let server: RunningGrpcServer;
  let client: AdapterGrpcClient;

  beforeEach(async () => {
    adapters = new FakeAdapters();
    server = await startGrpcServer({ address: '127.0.0.1:0', services: [adapterGrpcService(adapters, logger)], logger });
    client = new AdapterGrpcClient({ address: `127.0.0.1:${server.port}`, callTimeoutMs: 2000 });
  });

  afterEach(async () => {
    client.close();
    await server.shutdown(1000);
  });

  it('completes, passing the deployment, request and request id through', async () => {
    await expect(client.complete(deployment('gpt-4o-mini'), REQUEST, callContext(undefined, 'req-7'))).resolves.toStrictEqual(RESPONSE);
    expect(adapters.calls[0]).toMatchObject({ deployment: deployment('gpt-4o-mini'), request: REQUEST, context: { requestId: 'req-7' } });
  });

  it('carries a request larger than the 4 MiB gRPC default', async () => {
    const image = `data:image/png;base64,${'A'.repeat(6 * 1024 * 1024)}`;
    const request: ChatRequest = { ...REQUEST, messages: [{ role: 'user', content: [{ type: 'image', url: image }] }] };
    // Encoding and copying 6 MiB each way can outlast 2 s on a loaded machine: this asserts the size limit, not speed.
    const patient = new AdapterGrpcClient({ address: `127.0.0.1:${server.port}`, callTimeoutMs: 60_000 });
    try {
      await expect(patient.complete(deployment('gpt-4o-mini'), request, callContext())).resolves.toStrictEqual(RESPONSE);
    } finally {
      patient.close();
    }
    expect(adapters.calls[0]?.request).toStrictEqual(request);
  });

  it('embeds', async () => {
    const request: EmbeddingRequest = { model: 'text-embedding-3-small', input: ['a', 'b'], dimensions: 2 };
    await expect(client.embed(deployment('text-embedding-3-small'), request, callContext())).resolves.toStrictEqual(EMBEDDINGS);
    expect(adapters.calls[0]?.request).toStrictEqual(request);
  });

  it('carries a provider error identically', async () => {
    const error = await client.complete(deployment('rate-limited'), REQUEST, callContext()).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ProviderError);
    const { message, status, errorClass, code, param, retryable, retryAfter, providerId, upstreamStatus } = error as ProviderError;
    expect({ message, status, errorClass, code, param, retryable, retryAfter, providerId, upstreamStatus }).toStrictEqual({
      message: RATE_LIMITED.message,
      status: 429,
      errorClass: 'rate_limited',
      code: 'rate_limit_exceeded',
      param: null,
      retryable: true,
      retryAfter: '7',
      providerId: 'openai',
      upstreamStatus: 429,
    });
  });

  it('streams every part type in order', async () => {
    const parts = await client.stream(deployment('every-part'), REQUEST, callContext(undefined, 'req-9'));
    await expect(collect(parts)).resolves.toStrictEqual(EVERY_PART);
    expect(adapters.calls[0]?.context.requestId).toBe('req-9');
  });

  it('streams nothing from an empty stream', async () => {
    await expect(collect(await client.stream(deployment('empty'), REQUEST, callContext()))).resolves.toStrictEqual([]);
  });

  it('rejects stream() itself when the adapter fails before the first part', async () => {
    const error = await client.stream(deployment('rate-limited'), REQUEST, callContext()).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 429, retryAfter: '7', providerId: 'openai' });
  });

  it('throws from the iterator when the adapter fails mid-stream', async () => {
    const parts = await client.stream(deployment('fail-mid'), REQUEST, callContext());
    const received: StreamPart[] = [];
    const error = await (async () => {
      for await (const part of parts) received.push(part);
    })().catch((thrown: unknown) => thrown);
    expect(received).toStrictEqual(EVERY_PART.slice(0, 2));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ status: 502, code: 'upstream_unreachable', retryable: true, providerId: 'openai' });
  });

  it('aborts the adapter when the caller aborts mid-stream', async () => {
    const controller = new AbortController();
    const parts = await client.stream(deployment('endless'), REQUEST, callContext(controller.signal));
    const error = await (async () => {
      let count = 0;
      for await (const _part of parts) if (++count === 3) controller.abort();
    })().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 499, errorClass: 'cancelled' });
    await waitFor(() => adapters.sourceReleased);
    expect(adapters.calls[0]?.context.signal.aborted).toBe(true);
  });

  it('aborts the adapter when the caller stops reading early', async () => {
    const parts = await client.stream(deployment('endless'), REQUEST, callContext());
    for await (const _part of parts) break;
    await waitFor(() => adapters.sourceReleased);
    expect(adapters.calls[0]?.context.signal.aborted).toBe(true);
  });

  it('aborts the adapter when the caller aborts before the first part', async () => {
    const controller = new AbortController();
    const opening = client.stream(deployment('hang'), REQUEST, callContext(controller.signal));
    await waitFor(() => adapters.calls.length === 1);
    controller.abort();
    await expect(opening).rejects.toMatchObject({ status: 499 });
    await waitFor(() => adapters.calls[0]?.context.signal.aborted === true);
  });

  it('stops producing while the caller does not read, and goes on when it reads', async () => {
    const parts = await client.stream(deployment('endless'), REQUEST, callContext());
    const iterator = parts[Symbol.asyncIterator]();
    await iterator.next();
    // The handler writes a part and asks for the next in one go unless the transport is full; seen from a timer,
    // a part handed over and not followed by a request for the next means the handler is waiting for 'drain'.
    await waitForValue(
      () => adapters.awaitingPull,
      (waiting) => waiting,
      { timeoutMs: 10_000, what: 'the server to wait for the transport' },
    );

    // Each unary call on the same connection carries the flow-control credit the client has to give (HTTP/2 clients
    // send window updates along with their next frames); however many pass, production stays within the buffers.
    for (let roundTrip = 0; roundTrip < 20; roundTrip++) {
      await client.complete(deployment('gpt-4o-mini'), REQUEST, callContext());
      // HTTP/2 flow control (64 KiB per stream) plus the stream buffers on both sides.
      expect(adapters.produced).toBeLessThan(1000);
    }
    await waitForValue(
      () => adapters.awaitingPull,
      (waiting) => waiting,
      { timeoutMs: 10_000, what: 'the server to wait for the transport again' },
    );
    const producedUnread = adapters.produced;

    // Reading what is buffered, and one part more, needs new parts: the server asks the adapter for more.
    for (let received = 1; received <= producedUnread; received++) await iterator.next();
    expect(adapters.produced).toBeGreaterThan(producedUnread);
    await iterator.return?.();
  });

  it('maps a passed stream deadline to a 504', async () => {
    const impatient = new AdapterGrpcClient({ address: `127.0.0.1:${server.port}`, callTimeoutMs: 2000, streamTimeoutMs: 100 });
    const error = await impatient.stream(deployment('hang'), REQUEST, callContext()).catch((thrown: unknown) => thrown);
    impatient.close();
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 504, errorClass: 'timeout', code: 'deadline_exceeded' });
    await waitFor(() => adapters.calls[0]?.context.signal.aborted === true);
  });

  it('finishes a stream in flight before shutting down', async () => {
    // The stream's first part has arrived and the rest waits at the gate: the stream is in flight when shutdown starts.
    const parts = await client.stream(deployment('gated'), REQUEST, callContext());
    const stopped = server.shutdown(5000);
    adapters.openGate();
    await expect(collect(parts)).resolves.toStrictEqual(EVERY_PART);
    await stopped;
  });
});
