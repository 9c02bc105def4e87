import type { EventPublisher, SwitchyardEvent } from '@switchyard/events';
import { eventsV1 } from '@switchyard/proto';
import { AdapterGrpcClient, adapterGrpcService, LocalProviderAdapterService } from '@switchyard/provider-adapters';
import { LocalRouterService } from '@switchyard/router';
import { configSchema, createLogger, type ObservabilityQueryService, type ProviderAdapterService, type StreamPart } from '@switchyard/shared';
import { startGrpcServer, type RunningGrpcServer } from '@switchyard/rpc';
import { DEFAULT_FIXTURES, startMockOpenAIUpstream, type MockOpenAIUpstream } from '../../../../test/support/mock-openai-upstream';
import { startGatewayServer, type GatewayServer } from '../gateway-server';

/**
 * The gateway over a real mock upstream, with its adapters in process or
 * behind a real gRPC server: a chunk that cannot be formatted, and a
 * shutdown whose grace runs out, both end the upstream call; the records say
 * what happened.
 */

const CLOSE_DEADLINE_MS = 5_000;
const logger = createLogger('test', 'silent');

/** Collects what the gateway publishes. */
class CollectingPublisher implements EventPublisher {
  readonly events: SwitchyardEvent[] = [];
  publish(event: SwitchyardEvent): void {
    this.events.push(event);
  }
  async close(): Promise<void> {}
  completed(requestId: string): eventsV1.RequestCompleted | undefined {
    for (const { kind, event } of this.events) {
      if (kind === 'request-completed' && event.requestId === requestId) return event;
    }
    return undefined;
  }
}

const noQueries: ObservabilityQueryService = {
  listRequests: async () => ({ requests: [] }),
  getRequest: async () => undefined,
  usage: async () => [],
  deleteUserData: async () => ({ requests: 0, usage: 0, costs: 0 }),
  getTrace: async () => undefined,
  listTraces: async () => ({ traces: [] }),
};

/** Adapters whose streams carry, after the first text, a part no JSON can hold: the gateway fails while formatting it. */
function withUnformattablePart(adapters: ProviderAdapterService): ProviderAdapterService {
  return {
    complete: (deployment, request, context) => adapters.complete(deployment, request, context),
    embed: (deployment, request, context) => adapters.embed(deployment, request, context),
    async stream(deployment, request, context) {
      const parts = await adapters.stream(deployment, request, context);
      return (async function* (): AsyncGenerator<StreamPart> {
        for await (const part of parts) {
          yield part;
          if (part.type === 'text-delta') yield { ...part, text: BigInt(1) as unknown as string };
        }
      })();
    },
  };
}

type AdapterMode = 'in process' | 'over gRPC';

describe.each<AdapterMode>(['in process', 'over gRPC'])('upstream cancellation, adapters %s', (adapterMode) => {
  let upstream: MockOpenAIUpstream;
  let local: LocalProviderAdapterService;
  let grpcServer: RunningGrpcServer | undefined;
  let grpcClient: AdapterGrpcClient | undefined;
  let adapters: ProviderAdapterService;
  const gateways: GatewayServer[] = [];
  const config = () =>
    configSchema.parse({
      server: { host: '127.0.0.1', port: 0 },
      providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'], prices: { 'gpt-4o*': { input: 2.5, output: 10 } } } },
    });

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    local = new LocalProviderAdapterService(config());
    adapters = local;
    if (adapterMode === 'over gRPC') {
      grpcServer = await startGrpcServer({ address: '127.0.0.1:0', logger, services: [adapterGrpcService(local, logger)] });
      grpcClient = new AdapterGrpcClient({ address: `127.0.0.1:${grpcServer.port}`, callTimeoutMs: 30_000 });
      adapters = grpcClient;
    }
  });

  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close(100)));
    upstream.reset();
  });

  afterAll(async () => {
    grpcClient?.close();
    await grpcServer?.shutdown(100);
    await local?.close();
    await upstream?.close();
  });

  async function startGateway(over: ProviderAdapterService, events: EventPublisher): Promise<GatewayServer> {
    const settings = config();
    const gateway = await startGatewayServer({
      config: settings,
      router: new LocalRouterService(settings),
      adapters: over,
      events,
      observability: noQueries,
      logger,
    });
    gateways.push(gateway);
    return gateway;
  }

  async function openStream(gateway: GatewayServer, requestId: string): Promise<Response> {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'What is the weather in Paris?' }] }),
    });
    expect(response.status).toBe(200);
    return response;
  }

  async function recorded(events: CollectingPublisher, requestId: string): Promise<eventsV1.RequestCompleted> {
    const deadline = Date.now() + CLOSE_DEADLINE_MS;
    for (let event = events.completed(requestId); ; event = events.completed(requestId)) {
      if (event) return event;
      if (Date.now() > deadline) throw new Error(`no record of ${requestId}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('closes the upstream stream when a chunk cannot be formatted, and ends the client stream with an error event', async () => {
    upstream.enqueue({ kind: 'stream-then-hang', file: DEFAULT_FIXTURES.stream, events: 6 });
    const events = new CollectingPublisher();
    const gateway = await startGateway(withUnformattablePart(adapters), events);
    const body = await (await openStream(gateway, 'unformattable')).text();
    expect(body).toMatch(/data: \{"error":\{"message":"An unexpected error occurred in the gateway\./);
    await upstream.whenNoneOpen(CLOSE_DEADLINE_MS);
    expect(upstream.abortedRequests).toBe(1);
    const record = await recorded(events, 'unformattable');
    expect(record).toMatchObject({ status: eventsV1.RequestStatus.FAILED, usageEstimated: true });
    expect(record.tokens?.output).toBeGreaterThan(0);
  });

  it('shuts down past its grace: cancels the running stream, tells the client, records it as cancelled by the shutdown', async () => {
    upstream.enqueue({ kind: 'stream-then-hang', file: DEFAULT_FIXTURES.stream, events: 6 });
    const events = new CollectingPublisher();
    const gateway = await startGateway(adapters, events);
    const response = await openStream(gateway, 'cut-by-shutdown');
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('data: {');

    await gateway.close(100);
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    expect(rest).toContain('"code":"server_shutting_down"');
    await upstream.whenNoneOpen(CLOSE_DEADLINE_MS);
    const record = await recorded(events, 'cut-by-shutdown');
    expect(record).toMatchObject({ status: eventsV1.RequestStatus.CANCELLED, errorClass: 'cancelled', usageEstimated: true });
    expect(record.errorMessage).toMatch(/shut down/);
    expect(record.costUsd).toBeGreaterThan(0);
  });
});
