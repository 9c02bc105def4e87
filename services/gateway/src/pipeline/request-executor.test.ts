import { LocalPlanExecutor } from '@switchyard/provider-adapters';
import { LocalRouterService } from '@switchyard/router';
import {
  configSchema,
  GatewayError,
  providerHttpError,
  type AttemptRecord,
  type CallContext,
  type ChatRequest,
  type ChatResponse,
  type Deployment,
  type ExecutionPlan,
  type ExecutionReport,
  type PlanExecutor,
  type ProviderAdapterService,
  type RequestFeatures,
  type RouterService,
} from '@switchyard/shared';
import { RequestExecutor, type RequestExecutorOptions } from './request-executor';

const config = configSchema.parse({
  providers: {
    first: { kind: 'openai', baseUrl: 'http://127.0.0.1:9/v1', models: ['m'] },
    second: { kind: 'openai', baseUrl: 'http://127.0.0.1:9/v1', models: ['m'] },
    third: { kind: 'openai', baseUrl: 'http://127.0.0.1:9/v1', models: ['m'] },
    large: { kind: 'openai', baseUrl: 'http://127.0.0.1:9/v1', models: ['m-long'] },
  },
  routes: {
    alias: {
      strategy: 'fallback',
      targets: [
        { provider: 'first', model: 'm' },
        { provider: 'second', model: 'm' },
        { provider: 'third', model: 'm' },
      ],
    },
    long: { provider: 'large', model: 'm-long' },
  },
  resilience: { routes: { alias: { retries: 1, deadlineMs: 5_000, contextLengthFallback: 'long' } } },
});

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
    const result = outcomes[target.providerId] ?? 'ok';
    if (result !== 'ok') throw result;
  };
  return {
    complete: async (target) => (await outcome(target), answer(target.providerId)),
    stream: async (target) => (
      await outcome(target),
      (async function* () {
        yield { type: 'response-start' as const, id: target.providerId, model: 'm', created: 0 };
      })()
    ),
    embed: async (target) => (await outcome(target), { model: 'm', data: [], usage: { inputTokens: 0, outputTokens: 0 } }),
  };
}

function context(): CallContext & { controller: AbortController } {
  const controller = new AbortController();
  return { requestId: 'r', signal: controller.signal, controller };
}

function executor(planExecutor: PlanExecutor, options: Partial<RequestExecutorOptions> = {}, router: RouterService = new LocalRouterService(config)) {
  return new RequestExecutor(router, planExecutor, {
    resilience: config.resilience,
    requestTimeoutMs: config.server.requestTimeoutMs,
    providers: config.providers,
    ...options,
  });
}

/** A plan executor that keeps the plans it is given and answers from the first attempt. */
function planRecorder() {
  const plans: ExecutionPlan[] = [];
  const planExecutor: PlanExecutor = {
    complete: async (plan) => {
      plans.push(plan);
      return { response: answer(plan.attempts[0].deployment.providerId), report: { attempts: [succeeded(plan)], served: 0 } };
    },
    stream: async () => {
      throw new Error('not used');
    },
    embed: async (plan) => {
      plans.push(plan);
      return { response: { model: 'm', data: [], usage: { inputTokens: 0, outputTokens: 0 } }, report: { attempts: [succeeded(plan)], served: 0 } };
    },
  };
  return { plans, planExecutor };
}

const succeeded = (plan: ExecutionPlan): AttemptRecord => ({ ...plan.attempts[0], retry: 0, outcome: 'succeeded', durationMs: 1 });

describe('RequestExecutor', () => {
  it('runs the plan in ONE call to the plan executor and reports which deployment answered, after how many attempts', async () => {
    const calls: string[] = [];
    const observed: string[] = [];
    const reports: ExecutionReport[] = [];
    const run = executor(
      new LocalPlanExecutor(
        adapters({ first: providerHttpError('first', 503, 'overloaded'), second: providerHttpError('second', 429, 'slow down', '0') }, calls),
        { sleep: async () => {} },
      ),
      {
        observeAttempt: (attempt) => observed.push(`${attempt.deployment.providerId}:${attempt.failure ?? 'ok'}`),
        observeReport: (report) => reports.push(report),
      },
    );
    const { response, servedBy } = await run.complete(request, context());
    expect(response.id).toBe('third');
    // `alias` retries each deployment once (resilience.routes.alias.retries).
    expect(calls).toEqual(['first', 'first', 'second', 'second', 'third']);
    expect(servedBy).toMatchObject({ deployment: { providerId: 'third' }, routePath: 'targets[2]', attempts: 5 });
    expect(observed).toEqual(['first:server_error', 'first:server_error', 'second:rate_limit', 'second:rate_limit', 'third:ok']);
    expect(reports).toHaveLength(1);
  });

  it('sends the deadline, the route policy and the fallbacks by failure kind with the plan', async () => {
    const { plans, planExecutor } = planRecorder();
    const before = Date.now();
    await executor(planExecutor).complete(request, context());
    const [plan] = plans;
    expect(plan.deadline).toBeGreaterThanOrEqual(before + 5_000);
    expect(plan.deadline).toBeLessThan(before + config.server.requestTimeoutMs);
    expect(plan.policy).toMatchObject({ retries: 1, fallbackOn: config.resilience.fallbackOn });
    expect(plan.fallbacks).toEqual({
      context_length: [{ deployment: { id: 'large/m-long', providerId: 'large', model: 'm-long' }, routePath: 'contextLengthFallback' }],
    });

    await executor(planExecutor).complete({ ...request, model: 'first/m' }, context());
    expect(plans[1].policy).toMatchObject({ retries: 0 });
    expect(plans[1].fallbacks).toBeUndefined();
  });

  it("counts a request in flight at its plan's first deployment until it is over, failed or not", async () => {
    const counts = new Map<string, number>();
    const seenDuring: number[] = [];
    const inFlight = {
      started: (id: string) => counts.set(id, (counts.get(id) ?? 0) + 1),
      finished: (id: string) => counts.set(id, (counts.get(id) ?? 0) - 1),
    };
    const planExecutor: PlanExecutor = {
      complete: async (plan) => {
        seenDuring.push(counts.get(plan.attempts[0].deployment.id) ?? 0);
        if (plan.requestedModel === 'second/m') throw providerHttpError('second', 500, 'down');
        return { response: answer('first'), report: { attempts: [succeeded(plan)], served: 0 } };
      },
      stream: async () => {
        throw new Error('not used');
      },
      embed: async () => {
        throw new Error('not used');
      },
    };
    const run = executor(planExecutor, { inFlight });
    await run.complete(request, context());
    await expect(run.complete({ ...request, model: 'second/m' }, context())).rejects.toThrow('down');
    expect(seenDuring).toEqual([1, 1]);
    expect([...counts]).toEqual([
      ['first/m', 0],
      ['second/m', 0],
    ]);
  });

  it('gives the router the request features, without credentials among the headers', async () => {
    const seen: (RequestFeatures | undefined)[] = [];
    const inner = new LocalRouterService(config);
    const router: RouterService = {
      resolveRoute: (model, call, features) => (seen.push(features), inner.resolveRoute(model, call)),
      listModels: (call) => inner.listModels(call),
    };
    const { planExecutor } = planRecorder();
    await executor(planExecutor, {}, router).complete(
      { ...request, model: 'first/m', tools: [{ name: 'f', parameters: {} }] },
      context(),
      undefined,
      { headers: { authorization: 'Bearer sk-secret', 'x-user-tier': 'gold' } },
    );
    expect(seen[0]).toMatchObject({ model: 'first/m', hasTools: true, headers: { 'x-user-tier': 'gold' } });
    expect(seen[0]?.headers).not.toHaveProperty('authorization');
  });

  describe('x-switchyard-route', () => {
    it('runs the route it names instead of the model', async () => {
      const { plans, planExecutor } = planRecorder();
      const { servedBy } = await executor(planExecutor).complete({ ...request, model: 'first/m' }, context(), undefined, {
        headers: { 'x-switchyard-route': 'long' },
      });
      expect(servedBy.deployment.providerId).toBe('large');
      expect(plans[0].requestedModel).toBe('first/m');
    });

    it('runs a route given inline, validated like the config file', async () => {
      const { plans, planExecutor } = planRecorder();
      const inline = JSON.stringify({
        strategy: 'fallback',
        targets: [
          { provider: 'third', model: 'm' },
          { provider: 'second', model: 'm' },
        ],
      });
      await executor(planExecutor).complete(request, context(), undefined, { headers: { 'x-switchyard-route': inline } });
      expect(plans[0].attempts.map(({ deployment, routePath }) => `${deployment.id}@${routePath}`)).toEqual([
        'third/m@targets[0]',
        'second/m@targets[1]',
      ]);
    });

    it.each([
      ['{"strategy":"fallback","targets":[{"provider":"third"}]}', 'x-switchyard-route.targets[0].model', 'invalid_value'],
      ['{"strategy":"fallback"}', 'x-switchyard-route.targets', 'invalid_value'],
      ['{"strategy":"fallback","targets":[{"provider":"nowhere","model":"m"}]}', 'x-switchyard-route.targets[0].provider', 'invalid_value'],
      ['{"strategy":"weighted","targets":', 'x-switchyard-route', 'invalid_json'],
      ['no such route', 'x-switchyard-route', 'invalid_header'],
      ['unknown-alias', 'x-switchyard-route', 'invalid_value'],
    ])('answers %s with a 400 naming %s', async (value, param, code) => {
      const { plans, planExecutor } = planRecorder();
      const error = await executor(planExecutor)
        .complete(request, context(), undefined, { headers: { 'x-switchyard-route': value } })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ status: 400, param, code });
      expect((error as Error).message).toContain('x-switchyard-route');
      expect(plans).toHaveLength(0);
    });
  });

  it("refuses a route header that reaches past the key's model scopes", async () => {
    const { plans, planExecutor } = planRecorder();
    const run = executor(planExecutor);
    const scopes = { models: ['alias', 'first/*'] };
    const named = await run
      .complete(request, context(), undefined, { headers: { 'x-switchyard-route': 'long' }, scopes })
      .catch((caught: unknown) => caught);
    expect(named).toMatchObject({ status: 403, code: 'model_not_allowed', param: 'x-switchyard-route' });
    const inline = JSON.stringify({
      strategy: 'fallback',
      targets: [
        { provider: 'first', model: 'm' },
        { provider: 'large', model: 'm-long' },
      ],
    });
    const held = await run
      .complete(request, context(), undefined, { headers: { 'x-switchyard-route': inline }, scopes })
      .catch((caught: unknown) => caught);
    expect(held).toMatchObject({ status: 403, code: 'model_not_allowed', param: 'x-switchyard-route.targets[1]' });
    expect(plans).toHaveLength(0);
    const allowed = JSON.stringify({ provider: 'first', model: 'm' });
    await run.complete(request, context(), undefined, { headers: { 'x-switchyard-route': allowed }, scopes });
    expect(plans).toHaveLength(1);
  });

  it('tells the telemetry the last attempt of a failed plan, and passes router errors through', async () => {
    const calls: string[] = [];
    const last = providerHttpError('third', 500, 'broken');
    const run = executor(
      new LocalPlanExecutor(
        adapters({ first: providerHttpError('first', 500, 'x'), second: providerHttpError('second', 502, 'y'), third: last }, calls),
        {
          sleep: async () => {},
        },
      ),
    );
    const attempted: [string, number][] = [];
    await expect(run.complete(request, context(), (attempt, number) => attempted.push([attempt.deployment.providerId, number]))).rejects.toBe(last);
    expect(attempted).toEqual([['third', 6]]);
    await expect(run.embed({ model: 'unknown', input: ['x'] }, context())).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('streams from the deployment whose first part came', async () => {
    const calls: string[] = [];
    const run = executor(new LocalPlanExecutor(adapters({ first: providerHttpError('first', 400, 'bad field') }, calls)));
    await expect(run.stream({ ...request, stream: true }, context())).rejects.toMatchObject({ status: 400 });
    expect(calls).toEqual(['first']);
    const { parts, servedBy } = await run.stream({ ...request, model: 'second/m', stream: true }, context());
    const types: string[] = [];
    for await (const part of parts) types.push(part.type);
    expect(types).toEqual(['response-start']);
    expect(servedBy.deployment.providerId).toBe('second');
  });
});
