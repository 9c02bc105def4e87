import {
  createLogger,
  executionReportOf,
  providerHttpError,
  providerUnreachable,
  type CallContext,
  type ChatRequest,
  type ChatResponse,
  type Deployment,
  type ExecutionPlan,
  type ProviderAdapterService,
  type StreamPart,
} from '@switchyard/shared';
import { startGrpcServer, type RunningGrpcServer } from '@switchyard/rpc';
import { adapterGrpcService } from './adapter-grpc-server';
import { PlanExecutorGrpcClient } from './plan-executor-grpc-client';
import { LocalPlanExecutor } from '../execution/local-plan-executor';

const logger = createLogger('test', 'silent');

const REQUEST: ChatRequest = {
  model: 'smart',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
  sampling: {},
  stream: false,
  includeUsage: true,
};

const answer = (providerId: string): ChatResponse => ({
  id: providerId,
  model: 'm',
  created: 1,
  choices: [{ index: 0, message: { content: `from ${providerId}` }, finishReason: 'stop' }],
});

const deployment = (providerId: string): Deployment => ({ id: `${providerId}/m`, providerId, model: 'm' });
const plan = (...providers: string[]): ExecutionPlan => ({
  requestedModel: 'smart',
  attempts: providers.map((providerId, index) => ({ deployment: deployment(providerId), routePath: `targets[${index}]` })),
  deadline: Date.now() + 10_000,
});

/**
 * Adapters on the service's side of the wire: the provider id picks the
 * behaviour. `broken` fails, `midway` streams two parts then loses its
 * connection, `endless` streams until cancelled; anything else answers. Calls are recorded, as the providers
 * would see them.
 */
class ScriptedAdapters implements ProviderAdapterService {
  readonly calls: string[] = [];
  readonly signals: AbortSignal[] = [];

  async complete(target: Deployment, _request: ChatRequest, context: CallContext): Promise<ChatResponse> {
    this.begin(target, context);
    return answer(target.providerId);
  }

  async stream(target: Deployment, _request: ChatRequest, context: CallContext): Promise<AsyncIterable<StreamPart>> {
    this.begin(target, context);
    const failMidway = target.providerId === 'midway';
    const endless = target.providerId === 'endless';
    return (async function* () {
      yield { type: 'response-start', id: target.providerId, model: 'm', created: 1 } satisfies StreamPart;
      // Holds the stream open, as a long generation does, until the attempt is cancelled.
      if (endless) await new Promise((resolve) => context.signal.addEventListener('abort', resolve, { once: true }));
      yield { type: 'text-delta', choice: 0, text: 'Hel' } satisfies StreamPart;
      if (failMidway) throw providerUnreachable('midway', new Error('socket hang up'));
      yield { type: 'finish', choice: 0, finishReason: 'stop' } satisfies StreamPart;
    })();
  }

  async embed(target: Deployment, _request: unknown, context: CallContext) {
    this.begin(target, context);
    return { model: 'm', data: [{ index: 0, vector: [1] }], usage: { inputTokens: 1, outputTokens: 0 } };
  }

  private begin(target: Deployment, context: CallContext): void {
    this.calls.push(target.providerId);
    this.signals.push(context.signal);
    if (target.providerId === 'broken') throw providerHttpError('broken', 503, 'overloaded');
    if (target.providerId === 'refusing') throw providerHttpError('refusing', 401, 'bad key');
  }
}

describe('PlanExecutorGrpcClient against the adapter service', () => {
  let server: RunningGrpcServer;
  let adapters: ScriptedAdapters;
  let client: PlanExecutorGrpcClient;
  const context = (): CallContext => ({ requestId: 'req-1', signal: new AbortController().signal });

  beforeEach(async () => {
    adapters = new ScriptedAdapters();
    server = await startGrpcServer({
      address: '127.0.0.1:0',
      services: [adapterGrpcService(adapters, logger, new LocalPlanExecutor(adapters))],
      logger,
    });
    client = new PlanExecutorGrpcClient({ address: `127.0.0.1:${server.port}`, callTimeoutMs: 5_000 });
  });

  afterEach(async () => {
    client.close();
    await server.shutdown(1_000);
  });

  it('runs the whole plan behind one call and brings back the answer with every attempt', async () => {
    const { response, report } = await client.complete(plan('broken', 'good'), REQUEST, context());
    expect(response).toEqual(answer('good'));
    expect(adapters.calls).toEqual(['broken', 'good']);
    expect(report).toEqual({
      attempts: [
        expect.objectContaining({
          deployment: deployment('broken'),
          routePath: 'targets[0]',
          outcome: 'failed',
          failure: 'server_error',
          status: 502,
        }),
        expect.objectContaining({ deployment: deployment('good'), routePath: 'targets[1]', outcome: 'succeeded' }),
      ],
      served: 1,
    });
  });

  it('sends the report of a failed plan in the trailer, beside the error', async () => {
    const error = await client.complete(plan('broken', 'refusing', 'good'), REQUEST, context()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 502, code: 'upstream_401' });
    expect(executionReportOf(error)?.attempts.map((attempt) => attempt.failure)).toEqual(['server_error', 'client_error']);
    expect(adapters.calls).toEqual(['broken', 'refusing']);
  });

  it('embeds through the plan too', async () => {
    const { response, report } = await client.embed(plan('broken', 'good'), { model: 'smart', input: ['x'] }, context());
    expect(response.data[0].vector).toEqual([1]);
    expect(report.served).toBe(1);
  });

  it('streams: the attempts that started it first, then the parts, then the final report', async () => {
    const { parts, report, final } = await client.stream(plan('broken', 'good'), { ...REQUEST, stream: true }, context());
    expect(report.attempts.map((attempt) => attempt.outcome)).toEqual(['failed', 'succeeded']);
    const types: string[] = [];
    for await (const part of parts) types.push(part.type);
    expect(types).toEqual(['response-start', 'text-delta', 'finish']);
    const settled = await final;
    expect(settled.served).toBe(1);
    expect(settled.attempts[1]).toMatchObject({ outcome: 'succeeded', timeToFirstTokenMs: expect.any(Number) });
  });

  it('ends a stream that fails after its first part with the error, and its report in the trailer', async () => {
    const { parts, final } = await client.stream(plan('midway', 'good'), { ...REQUEST, stream: true }, context());
    const texts: string[] = [];
    const error = await (async () => {
      for await (const part of parts) if (part.type === 'text-delta') texts.push(part.text);
    })().catch((caught: unknown) => caught);
    expect(texts).toEqual(['Hel']);
    expect(error).toMatchObject({ code: 'upstream_unreachable' });
    expect(executionReportOf(error)?.attempts).toEqual([expect.objectContaining({ outcome: 'failed', failure: 'connection' })]);
    expect((await final).attempts[0]).toMatchObject({ outcome: 'failed', failure: 'connection' });
    // Committed to `midway`: nothing else was tried once its first part had come.
    expect(adapters.calls).toEqual(['midway']);
  });

  it('cancels the upstream attempt when the caller goes away mid-stream', async () => {
    const controller = new AbortController();
    const { parts, final } = await client.stream(plan('endless'), { ...REQUEST, stream: true }, { requestId: 'r', signal: controller.signal });
    const iterator = parts[Symbol.asyncIterator]();
    await iterator.next();
    controller.abort();
    await iterator.return?.();
    await waitForAbort(adapters.signals[0]);
    expect((await final).attempts).toHaveLength(1);
  });
});

function waitForAbort(signal: AbortSignal): Promise<void> {
  return signal.aborted ? Promise.resolve() : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
