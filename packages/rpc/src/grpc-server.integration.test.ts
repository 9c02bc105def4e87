import { create } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { routerV1 } from '@switchyard/proto';
import { createLogger } from '@switchyard/shared';
import type { CallContext } from '@switchyard/shared';
import { unaryHandler } from './call-handlers';
import { startGrpcServer, type RunningGrpcServer } from './grpc-server';
import { GrpcServiceClient } from './grpc-service-client';
import { healthV1 } from '@switchyard/proto';
import { healthServiceDefinition } from './health-service';

type HealthCheckResponse = healthV1.HealthCheckResponse;
const statusName = (response: HealthCheckResponse) => healthV1.HealthCheckResponse_ServingStatus[response.status];
const healthRequest = (service: string) => create(healthV1.HealthCheckRequestSchema, { service });
import { grpcServiceDefinition } from './service-definition';

const logger = createLogger('test', 'silent');
const ROUTER = 'switchyard.router.v1.RouterService';

/** A router whose ResolveRoute waits until the test releases it, reporting the signal it got. */
function slowRouter() {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let started: (context: CallContext) => void = () => {};
  const callStarted = new Promise<CallContext>((resolve) => (started = resolve));
  const implementation = {
    resolveRoute: unaryHandler(async (request: routerV1.ResolveRouteRequest, context) => {
      started(context);
      await Promise.race([released, new Promise((resolve) => context.signal.addEventListener('abort', resolve))]);
      return create(routerV1.ResolveRouteResponseSchema, { requestedModel: request.model });
    }, logger),
    listModels: unaryHandler(async () => create(routerV1.ListModelsResponseSchema), logger),
  };
  return { implementation, release, callStarted };
}

async function serve(implementation: grpc.UntypedServiceImplementation): Promise<RunningGrpcServer> {
  return startGrpcServer({
    address: '127.0.0.1:0',
    services: [{ definition: grpcServiceDefinition(routerV1.RouterService), implementation }],
    logger,
  });
}

function rawCheck(client: grpc.Client, request: Buffer): Promise<Buffer> {
  const identity = (bytes: Buffer) => bytes;
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest('/grpc.health.v1.Health/Check', identity, identity, request, (error, response) =>
      error ? reject(error) : resolve(response!),
    ),
  );
}

function check(client: grpc.Client, service: string): Promise<HealthCheckResponse> {
  const { path, requestSerialize, responseDeserialize } = healthServiceDefinition.check;
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(path, requestSerialize, responseDeserialize, healthRequest(service), (error, response) =>
      error ? reject(error) : resolve(response!),
    ),
  );
}

describe('startGrpcServer', () => {
  let server: RunningGrpcServer;
  let client: grpc.Client;
  let router: ReturnType<typeof slowRouter>;

  beforeEach(async () => {
    router = slowRouter();
    server = await serve(router.implementation);
    client = new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
  });

  afterEach(async () => {
    router.release();
    client.close();
    await server.shutdown(1000);
  });

  it('answers the standard health check with SERVING, byte for byte', async () => {
    // HealthCheckResponse { status: SERVING (1) } is field 1, varint 1.
    expect([...(await rawCheck(client, Buffer.alloc(0)))]).toStrictEqual([0x08, 0x01]);
  });

  it('knows the services it serves', async () => {
    expect(statusName(await check(client, ROUTER))).toBe('SERVING');
    await expect(check(client, 'switchyard.nope.v1.Nope')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('tells watchers NOT_SERVING once shutdown starts, and drains the call in flight', async () => {
    const { path, requestSerialize, responseDeserialize } = healthServiceDefinition.watch;
    const watch = client.makeServerStreamRequest(path, requestSerialize, responseDeserialize, healthRequest(''));
    const statuses: string[] = [];
    const watchEnded = new Promise<void>((resolve, reject) => {
      watch.on('data', (response: HealthCheckResponse) => statuses.push(statusName(response)));
      watch.on('end', resolve);
      watch.on('error', reject);
    });
    const routerClient = new GrpcServiceClient(routerV1.RouterService, { address: `127.0.0.1:${server.port}`, callTimeoutMs: 5000 });
    const inFlight = routerClient.unary('resolveRoute', create(routerV1.ResolveRouteRequestSchema, { model: 'fast' }), {
      requestId: 'r',
      signal: new AbortController().signal,
    });
    const serverContext = await router.callStarted;

    let stopped = false;
    const shutdown = server.shutdown(5000).then(() => (stopped = true));
    await watchEnded;
    expect(statuses).toStrictEqual(['SERVING', 'NOT_SERVING']);

    // Shutdown has begun (watchers were told, new calls are refused) while the held call keeps it from finishing.
    await expect(check(client, '')).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect(stopped).toBe(false);
    expect(serverContext.signal.aborted).toBe(false);
    router.release();
    await expect(inFlight).resolves.toMatchObject({ requestedModel: 'fast' });
    await shutdown;
    expect(serverContext.signal.aborted).toBe(false);
    expect(server.shutdown(5000)).toBe(server.shutdown(0));
    routerClient.close();
  });

  it('refuses new calls once shut down', async () => {
    await server.shutdown(1000);
    await expect(check(client, '')).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it('cancels what is still running when the grace period ends', async () => {
    const routerClient = new GrpcServiceClient(routerV1.RouterService, { address: `127.0.0.1:${server.port}`, callTimeoutMs: 5000 });
    const inFlight = routerClient.unary('resolveRoute', create(routerV1.ResolveRouteRequestSchema, { model: 'fast' }), {
      requestId: 'r',
      signal: new AbortController().signal,
    });
    const serverContext = await router.callStarted;
    // That shutdown waits for the calls in flight within the grace period is the test above; here the call is never released.
    const warn = jest.spyOn(logger, 'warn');
    let warnings: unknown[][];
    try {
      await server.shutdown(100);
    } finally {
      warnings = [...warn.mock.calls];
      warn.mockRestore();
    }
    expect(warnings).toContainEqual([{ port: server.port, graceMs: 100 }, 'grpc-server-force-stop']);
    await expect(inFlight).rejects.toMatchObject({ status: 503, errorClass: 'unavailable' });
    // The client may see the call end before the handler's signal aborts: wait for the abort.
    if (!serverContext.signal.aborted) await new Promise((resolve) => serverContext.signal.addEventListener('abort', resolve));
    routerClient.close();
  });
});
