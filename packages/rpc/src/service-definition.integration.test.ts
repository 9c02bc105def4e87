import { create } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { adaptersV1, routerV1 } from '@switchyard/proto';
import { createLogger } from '@switchyard/shared';
import type { CallContext } from '@switchyard/shared';
import { independentAdapterService, independentRouterService } from './__fixtures__/independent-protobuf';
import { serverStreamingHandler, unaryHandler } from './call-handlers';
import { startGrpcServer, type RunningGrpcServer } from './grpc-server';
import { GrpcServiceClient } from './grpc-service-client';
import { routePlanToProto } from './route-codec';
import { grpcServiceDefinition, type GrpcHandlers, type MethodsOf } from './service-definition';
import { streamPartFromProto } from './stream-part-codec';

const logger = createLogger('test', 'silent');
const context = (): CallContext => ({ requestId: 'req-1', signal: new AbortController().signal });

type RouterMethods = MethodsOf<typeof routerV1.RouterService>;
/** A `Watch` that ends at once: these tests call the router's unary methods. */
const noSnapshots = serverStreamingHandler(
  async () => (async function* (): AsyncGenerator<routerV1.WatchResponse> {})(),
  (response: routerV1.WatchResponse) => response,
  logger,
);

describe('wire compatibility with @grpc/proto-loader over a socket', () => {
  describe('a protobuf-es server called by a protobufjs client', () => {
    let server: RunningGrpcServer;
    let client: InstanceType<grpc.ServiceClientConstructor>;

    beforeAll(async () => {
      const handlers: GrpcHandlers<RouterMethods> = {
        resolveRoute: unaryHandler(
          async (request: routerV1.ResolveRouteRequest, callContext) =>
            routePlanToProto({
              requestedModel: request.model,
              attempts: [{ deployment: { id: 'a/m', providerId: 'a', model: 'm' }, routePath: callContext.requestId }],
            }),
          logger,
        ),
        listModels: unaryHandler(async () => create(routerV1.ListModelsResponseSchema), logger),
        watch: noSnapshots,
      };
      server = await startGrpcServer({
        address: '127.0.0.1:0',
        services: [{ definition: grpcServiceDefinition(routerV1.RouterService), implementation: handlers }],
        logger,
      });
      const Client = grpc.makeGenericClientConstructor(independentRouterService, 'RouterService');
      client = new Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    });

    afterAll(async () => {
      client.close();
      await server.shutdown(1000);
    });

    it('answers a unary call', async () => {
      const response = await new Promise((resolve, reject) =>
        client.ResolveRoute({ model: 'fast', requestId: 'from-body' }, (error: Error | null, value: unknown) =>
          error ? reject(error) : resolve(value),
        ),
      );
      expect(response).toMatchObject({
        requestedModel: 'fast',
        attempts: [{ deployment: { id: 'a/m', providerId: 'a', model: 'm' }, routePath: 'from-body' }],
      });
    });
  });

  describe('a protobufjs server called by a protobuf-es client', () => {
    let server: grpc.Server;
    let port: number;

    beforeAll(async () => {
      server = new grpc.Server();
      server.addService(independentRouterService, {
        ResolveRoute: (call: grpc.ServerUnaryCall<{ model: string }, unknown>, callback: grpc.sendUnaryData<unknown>) =>
          callback(null, {
            requestedModel: call.request.model,
            attempts: [{ deployment: { id: 'a/m', providerId: 'a', model: 'm' }, routePath: call.metadata.get('x-request-id')[0] }],
          }),
      });
      server.addService(independentAdapterService, {
        StreamComplete: (call: grpc.ServerWritableStream<unknown, unknown>) => {
          call.write({ part: { responseStart: { id: 'r', model: 'm', created: '1735689600' } } });
          call.write({ part: { textDelta: { choice: 0, text: 'Hi' } } });
          call.write({ part: { finish: { choice: 0, finishReason: 'FINISH_REASON_STOP' } } });
          call.end();
        },
      });
      port = await new Promise((resolve, reject) =>
        server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
      );
    });

    afterAll(() => server.forceShutdown());

    it('reads a unary answer', async () => {
      const client = new GrpcServiceClient(routerV1.RouterService, { address: `127.0.0.1:${port}`, callTimeoutMs: 5000 });
      const response = await client.unary('resolveRoute', create(routerV1.ResolveRouteRequestSchema, { model: 'fast' }), context());
      client.close();
      expect(response.requestedModel).toBe('fast');
      expect(response.attempts[0]?.routePath).toBe('req-1');
      expect(response.attempts[0]?.deployment?.providerId).toBe('a');
    });

    it('reads a server stream', async () => {
      const client = new GrpcServiceClient(adaptersV1.ProviderAdapterService, { address: `127.0.0.1:${port}`, callTimeoutMs: 5000 });
      const parts = [];
      for await (const message of await client.serverStream('streamComplete', {}, context(), (message) => message)) {
        parts.push(streamPartFromProto(message.part!));
      }
      client.close();
      expect(parts).toStrictEqual([
        { type: 'response-start', id: 'r', model: 'm', created: 1_735_689_600 },
        { type: 'text-delta', choice: 0, text: 'Hi' },
        { type: 'finish', choice: 0, finishReason: 'stop' },
      ]);
    });
  });
});

describe('a service served by protobuf-es', () => {
  it('gives the same answers in memory and over a socket', async () => {
    const resolveRoute = async (request: routerV1.ResolveRouteRequest, callContext: CallContext) =>
      routePlanToProto({
        requestedModel: request.model,
        attempts: [{ deployment: { id: 'a/m', providerId: 'a', model: 'm' }, routePath: callContext.requestId }],
      });
    const request = create(routerV1.ResolveRouteRequestSchema, { model: 'fast', requestId: 'req-1' });
    const inMemory = await resolveRoute(request, context());

    const server = await startGrpcServer({
      address: '127.0.0.1:0',
      services: [
        {
          definition: grpcServiceDefinition(routerV1.RouterService),
          implementation: {
            resolveRoute: unaryHandler(resolveRoute, logger),
            listModels: unaryHandler(async () => create(routerV1.ListModelsResponseSchema), logger),
            watch: noSnapshots,
          } satisfies GrpcHandlers<RouterMethods>,
        },
      ],
      logger,
    });
    const client = new GrpcServiceClient(routerV1.RouterService, { address: `127.0.0.1:${server.port}`, callTimeoutMs: 5000 });
    const overSocket = await client.unary('resolveRoute', request, context());
    client.close();
    await server.shutdown(1000);

    expect(overSocket).toStrictEqual(inMemory);
  });

  it('streams through the same handler helpers', async () => {
    const server = await startGrpcServer({
      address: '127.0.0.1:0',
      services: [
        {
          definition: grpcServiceDefinition(adaptersV1.ProviderAdapterService),
          implementation: {
            streamComplete: serverStreamingHandler(
              async () =>
                (async function* () {
                  yield* ['a', 'b', 'c'];
                })(),
              (text: string) => create(adaptersV1.StreamCompleteResponseSchema, { part: { part: { case: 'textDelta', value: { text } } } }),
              logger,
            ),
          },
        },
      ],
      logger,
    });
    const client = new GrpcServiceClient(adaptersV1.ProviderAdapterService, { address: `127.0.0.1:${server.port}`, callTimeoutMs: 5000 });
    const texts = [];
    for await (const message of await client.serverStream('streamComplete', {}, context(), (message) => message)) {
      texts.push(message.part?.part.case === 'textDelta' ? message.part.part.value.text : undefined);
    }
    client.close();
    await server.shutdown(1000);
    expect(texts).toStrictEqual(['a', 'b', 'c']);
  });
});
