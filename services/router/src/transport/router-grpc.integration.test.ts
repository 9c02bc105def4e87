import { createLogger, GatewayError, modelNotFound, type CallContext, type ModelEntry, type RoutePlan, type RouterService } from '@switchyard/shared';
import { startGrpcServer, type RunningGrpcServer } from '@switchyard/rpc';
import { RouterGrpcClient } from './router-grpc-client';
import { routerGrpcService } from './router-grpc-server';

const logger = createLogger('test', 'silent');

const PLAN: RoutePlan = {
  requestedModel: 'fast',
  attempts: [
    { deployment: { id: 'openai/gpt-4o-mini', providerId: 'openai', model: 'gpt-4o-mini' }, routePath: 'targets[0]' },
    { deployment: { id: 'anthropic/claude-haiku', providerId: 'anthropic', model: 'claude-haiku' }, routePath: 'targets[1].targets[0]' },
  ],
};
const MODELS: ModelEntry[] = [
  { id: 'fast', ownedBy: 'switchyard' },
  { id: 'openai/gpt-4o-mini', ownedBy: 'openai' },
];

/** An in-memory router that records the contexts it was called with. */
class FakeRouter implements RouterService {
  readonly contexts: CallContext[] = [];
  /** When set, resolveRoute waits for it, or for its signal. */
  hold?: Promise<void>;

  async resolveRoute(model: string, context: CallContext): Promise<RoutePlan> {
    this.contexts.push(context);
    if (this.hold) {
      await Promise.race([this.hold, new Promise((resolve) => context.signal.addEventListener('abort', resolve))]);
    }
    if (model !== 'fast') throw modelNotFound(model);
    return PLAN;
  }

  async listModels(context: CallContext): Promise<ModelEntry[]> {
    this.contexts.push(context);
    return MODELS;
  }
}

function callContext(requestId = 'req-1', signal = new AbortController().signal): CallContext {
  return { requestId, signal };
}

function errorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof GatewayError)) throw error;
  const { name, message, status, errorClass, code, param, retryable, retryAfter } = error;
  return { name, message, status, errorClass, code, param, retryable, retryAfter };
}

describe('router over gRPC', () => {
  let router: FakeRouter;
  let server: RunningGrpcServer;
  let client: RouterGrpcClient;

  beforeEach(async () => {
    router = new FakeRouter();
    server = await startGrpcServer({ address: '127.0.0.1:0', services: [routerGrpcService(router, logger)], logger });
    client = new RouterGrpcClient({ address: `127.0.0.1:${server.port}`, callTimeoutMs: 2000 });
  });

  afterEach(async () => {
    client.close();
    await server.shutdown(1000);
  });

  describe.each([
    ['in memory', () => router as RouterService],
    ['over a socket', () => client as RouterService],
  ])('the same answers %s', (_where, service) => {
    it('resolves a route', async () => {
      await expect(service().resolveRoute('fast', callContext())).resolves.toStrictEqual(PLAN);
    });

    it('lists models', async () => {
      await expect(service().listModels(callContext())).resolves.toStrictEqual(MODELS);
    });

    it('fails an unknown model with the same error', async () => {
      const error = await service()
        .resolveRoute('nope', callContext())
        .catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(GatewayError);
      expect(errorFields(error)).toStrictEqual(errorFields(modelNotFound('nope')));
    });
  });

  it('carries an error with a very long message without losing the call', async () => {
    const long = new GatewayError('é'.repeat(50_000), { status: 502, errorClass: 'upstream' });
    router.resolveRoute = async () => {
      throw long;
    };
    const error = await client.resolveRoute('fast', callContext()).catch((thrown: unknown) => thrown);
    expect(errorFields(error)).toMatchObject({ status: 502, errorClass: 'upstream' });
    expect((error as GatewayError).message.startsWith('éééé')).toBe(true);
  });

  it('passes the request id to the router', async () => {
    await client.resolveRoute('fast', callContext('req-42'));
    await client.listModels(callContext('req-43'));
    expect(router.contexts.map((context) => context.requestId)).toStrictEqual(['req-42', 'req-43']);
  });

  it('cancels the call on the server when the caller aborts', async () => {
    router.hold = new Promise(() => {});
    const controller = new AbortController();
    const call = client.resolveRoute('fast', callContext('req-1', controller.signal));
    await waitFor(() => router.contexts.length === 1);
    controller.abort();
    await expect(call).rejects.toMatchObject({ status: 499, errorClass: 'cancelled' });
    await waitFor(() => router.contexts[0].signal.aborted);
  });

  it('fails fast when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(client.listModels(callContext('r', controller.signal))).rejects.toMatchObject({ status: 499 });
    expect(router.contexts).toHaveLength(0);
  });

  it('maps a passed deadline to a 504 and aborts the server side', async () => {
    router.hold = new Promise(() => {});
    const impatient = new RouterGrpcClient({ address: `127.0.0.1:${server.port}`, callTimeoutMs: 100 });
    const error = await impatient.resolveRoute('fast', callContext()).catch((thrown: unknown) => thrown);
    impatient.close();
    expect(error).toBeInstanceOf(GatewayError);
    expect(errorFields(error)).toMatchObject({ status: 504, errorClass: 'timeout', code: 'deadline_exceeded', retryable: true });
    await waitFor(() => router.contexts[0]?.signal.aborted === true);
  });

  it('fails with a retryable 503 when nothing listens', async () => {
    const nowhere = new RouterGrpcClient({ address: '127.0.0.1:1', callTimeoutMs: 2000 });
    await expect(nowhere.listModels(callContext())).rejects.toMatchObject({ status: 503, errorClass: 'unavailable', retryable: true });
    nowhere.close();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
