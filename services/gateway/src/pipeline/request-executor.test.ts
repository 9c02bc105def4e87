import {
  GatewayError,
  modelNotFound,
  providerHttpError,
  type CallContext,
  type ChatRequest,
  type ChatResponse,
  type Deployment,
  type ProviderAdapterService,
  type RoutePlan,
  type RouterService,
} from '@switchyard/shared';
import { RequestExecutor } from './request-executor';

const deployment = (providerId: string): Deployment => ({ id: `${providerId}/m`, providerId, model: 'm' });
const plan: RoutePlan = {
  requestedModel: 'alias',
  attempts: [
    { deployment: deployment('first'), routePath: 'targets[0]' },
    { deployment: deployment('second'), routePath: 'targets[1]' },
    { deployment: deployment('third'), routePath: 'targets[2]' },
  ],
};
const router: RouterService = {
  resolveRoute: async (model) => {
    if (model !== 'alias') throw modelNotFound(model);
    return plan;
  },
  listModels: async () => [],
};
const request: ChatRequest = {
  model: 'alias',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
  sampling: {},
  stream: false,
  includeUsage: false,
};
const answer = (providerId: string): ChatResponse => ({ id: providerId, model: 'm', created: 0, choices: [] });

/** Adapters that answer each provider with the given outcome, recording the calls. */
function adapters(outcomes: Record<string, Error | 'ok'>, calls: string[]): ProviderAdapterService {
  const outcome = async (target: Deployment) => {
    calls.push(target.providerId);
    const result = outcomes[target.providerId];
    if (result !== 'ok') throw result;
  };
  return {
    complete: async (target) => (await outcome(target), answer(target.providerId)),
    stream: async (target) => (await outcome(target), (async function* () {})()),
    embed: async (target) => (await outcome(target), { model: 'm', data: [], usage: { inputTokens: 0, outputTokens: 0 } }),
  };
}

function context(): CallContext & { controller: AbortController } {
  const controller = new AbortController();
  return { requestId: 'r', signal: controller.signal, controller };
}

describe('RequestExecutor', () => {
  it('moves past retryable errors and reports which deployment answered', async () => {
    const calls: string[] = [];
    const observed: [string, string][] = [];
    const executor = new RequestExecutor(
      router,
      adapters(
        { first: providerHttpError('first', 503, 'overloaded'), second: providerHttpError('second', 429, 'slow down', '3'), third: 'ok' },
        calls,
      ),
      (target, _seconds, error) => observed.push([target.providerId, error?.errorClass ?? 'ok']),
    );
    const { response, servedBy } = await executor.complete(request, context());
    expect(response.id).toBe('third');
    expect(servedBy).toEqual({ deployment: deployment('third'), routePath: 'targets[2]', attempts: 3 });
    expect(calls).toEqual(['first', 'second', 'third']);
    expect(observed).toEqual([
      ['first', 'upstream'],
      ['second', 'rate_limited'],
      ['third', 'ok'],
    ]);
  });

  it('stops at the first error that is not retryable', async () => {
    const calls: string[] = [];
    const executor = new RequestExecutor(router, adapters({ first: providerHttpError('first', 400, 'bad field'), second: 'ok', third: 'ok' }, calls));
    await expect(executor.stream({ ...request, stream: true }, context())).rejects.toMatchObject({ status: 400, retryable: false });
    expect(calls).toEqual(['first']);
  });

  it('throws the last error when every deployment failed', async () => {
    const calls: string[] = [];
    const last = providerHttpError('third', 500, 'broken');
    const executor = new RequestExecutor(
      router,
      adapters({ first: providerHttpError('first', 500, 'x'), second: providerHttpError('second', 502, 'y'), third: last }, calls),
    );
    await expect(executor.complete(request, context())).rejects.toBe(last);
    expect(calls).toHaveLength(3);
  });

  it('tries nothing more once the client has gone', async () => {
    const calls: string[] = [];
    const call = context();
    const failing: ProviderAdapterService = {
      ...adapters({}, calls),
      complete: async (target) => {
        calls.push(target.providerId);
        call.controller.abort();
        throw providerHttpError(target.providerId, 503, 'overloaded');
      },
    };
    await expect(new RequestExecutor(router, failing).complete(request, call)).rejects.toMatchObject({ status: 502 });
    expect(calls).toEqual(['first']);
  });

  it('wraps an unexpected exception in a 500 and passes router errors through', async () => {
    const executor = new RequestExecutor(router, adapters({ first: new TypeError('boom'), second: 'ok', third: 'ok' }, []));
    const error = await executor.complete(request, context()).catch((caught) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 500, errorClass: 'internal', retryable: false });
    await expect(executor.embed({ model: 'unknown', input: ['x'] }, context())).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
  });
});
