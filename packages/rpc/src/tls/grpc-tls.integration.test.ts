import { create } from '@bufbuild/protobuf';
import { connect as tlsConnect } from 'node:tls';
import { readFileSync } from 'node:fs';
import { routerV1 } from '@switchyard/proto';
import { ConfigError, createLogger, GatewayError, type CallContext } from '@switchyard/shared';
import { TestCertificates, type TestAuthority } from '../../../../test/support/test-certificates';
import { waitFor } from '../../../../test/support/wait-for';
import { unaryHandler } from '../call-handlers';
import { startGrpcServer, type RunningGrpcServer } from '../grpc-server';
import { GrpcServiceClient } from '../grpc-service-client';
import { grpcMessageLimits, type GrpcMessageLimits } from '../message-limits';
import { grpcServiceDefinition } from '../service-definition';
import { grpcClientSecurity, grpcServerSecurity, isLoopbackAddress, type GrpcTlsOptions } from './grpc-security';

const logger = createLogger('test', 'silent');
const PLAINTEXT: GrpcTlsOptions = { requireClientCert: true, reloadIntervalMs: 60_000, allowInsecure: false };

function context(): CallContext {
  return { requestId: 'tls-test', signal: new AbortController().signal };
}

describe('gRPC over TLS', () => {
  let certificates: TestCertificates;
  let authority: TestAuthority;
  let service: { ca: string; cert: string; key: string };
  const releases: Array<() => unknown> = [];
  let calls = 0;

  beforeAll(async () => {
    certificates = await TestCertificates.create();
    authority = await certificates.authority('switchyard');
    const issued = await authority.issue('router');
    service = { ca: authority.ca, cert: issued.cert, key: issued.key };
  });

  afterEach(async () => {
    for (const release of releases.splice(0).reverse()) await release();
  });

  afterAll(async () => {
    await certificates.remove();
  });

  async function serve(
    tls: GrpcTlsOptions,
    options: { alwaysRequireClientCert?: boolean; messageLimits?: GrpcMessageLimits } = {},
  ): Promise<RunningGrpcServer> {
    const security = grpcServerSecurity({ tls, address: '127.0.0.1:0', addressPath: 'services.router', logger, ...options });
    releases.push(() => security.close());
    const implementation = {
      resolveRoute: unaryHandler(async (request: routerV1.ResolveRouteRequest) => {
        calls += 1;
        return create(routerV1.ResolveRouteResponseSchema, { requestedModel: request.model });
      }, logger),
      listModels: unaryHandler(async () => create(routerV1.ListModelsResponseSchema), logger),
    };
    const server = await startGrpcServer({
      address: '127.0.0.1:0',
      services: [{ definition: grpcServiceDefinition(routerV1.RouterService), implementation }],
      logger,
      credentials: security.credentials,
      messageLimits: options.messageLimits,
    });
    releases.push(() => server.shutdown(1_000));
    return server;
  }

  function client(port: number, tls: GrpcTlsOptions, messageLimits?: GrpcMessageLimits) {
    const security = grpcClientSecurity({ tls, addresses: { 'services.router': `127.0.0.1:${port}` }, logger });
    const routerClient = new GrpcServiceClient(routerV1.RouterService, {
      address: `127.0.0.1:${port}`,
      callTimeoutMs: 5_000,
      credentials: security.credentials,
      channelOptions: security.channelOptions,
      messageLimits,
    });
    releases.push(() => {
      routerClient.close();
      security.close();
    });
    return routerClient;
  }

  const resolve = (routerClient: GrpcServiceClient<typeof routerV1.RouterService.method>, model = 'gpt-4o') =>
    routerClient.unary('resolveRoute', { model, requestId: 'tls-test' }, context());

  /** The status a refused call ends with, and that no handler ran for it. */
  async function refused(call: Promise<unknown>): Promise<GatewayError> {
    const before = calls;
    const error = await call.then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(GatewayError);
    expect(calls).toBe(before);
    return error as GatewayError;
  }

  it('serves a client whose certificate the CA signed, and refuses one without a certificate, one from another CA, and plaintext', async () => {
    const server = await serve({ ...PLAINTEXT, ...service });
    const good = await authority.issue('gateway');
    const response = await resolve(client(server.port, { ...PLAINTEXT, ca: service.ca, cert: good.cert, key: good.key }));
    expect(response.requestedModel).toBe('gpt-4o');

    const withoutCertificate = await refused(resolve(client(server.port, { ...PLAINTEXT, ca: service.ca })));
    expect(withoutCertificate).toMatchObject({ status: 503, code: 'service_unavailable' });

    const stranger = await (await certificates.authority('stranger')).issue('gateway');
    await refused(resolve(client(server.port, { ...PLAINTEXT, ca: service.ca, cert: stranger.cert, key: stranger.key })));
    await refused(resolve(client(server.port, PLAINTEXT)));
  });

  it('always requires a client certificate where the service says so, whatever tls.requireClientCert says', async () => {
    const serverOnlyTls = { ...PLAINTEXT, ...service, requireClientCert: false };
    const lenient = await serve(serverOnlyTls);
    expect((await resolve(client(lenient.port, { ...PLAINTEXT, ca: service.ca }))).requestedModel).toBe('gpt-4o');
    const strict = await serve(serverOnlyTls, { alwaysRequireClientCert: true });
    await refused(resolve(client(strict.port, { ...PLAINTEXT, ca: service.ca })));
  });

  it('refuses a server whose certificate another CA signed', async () => {
    const stranger = await certificates.authority('impostor');
    const impostor = await stranger.issue('router');
    const server = await serve({ ...PLAINTEXT, ca: service.ca, cert: impostor.cert, key: impostor.key });
    await refused(resolve(client(server.port, { ...PLAINTEXT, ...service })));
  });

  it('serves a renewed certificate to new connections without a restart', async () => {
    const issued = await authority.issue('renewing');
    const server = await serve({ ...PLAINTEXT, ca: service.ca, cert: issued.cert, key: issued.key, reloadIntervalMs: 50 });
    const servedSerial = () =>
      new Promise<string>((resolveSerial, reject) => {
        const socket = tlsConnect({
          host: '127.0.0.1',
          port: server.port,
          ca: readFileSync(service.ca),
          cert: readFileSync(service.cert),
          key: readFileSync(service.key),
          ALPNProtocols: ['h2'],
        });
        socket.once('secureConnect', () => {
          resolveSerial(socket.getPeerCertificate().serialNumber);
          socket.destroy();
        });
        socket.once('error', reject);
      });
    expect(await servedSerial()).toBe(issued.serialNumber);

    const renewed = await authority.issue('renewing', { into: issued });
    await waitFor(servedSerial, (serial) => serial === renewed.serialNumber, { timeoutMs: 10_000, what: 'the renewed certificate', intervalMs: 50 });
    expect((await resolve(client(server.port, { ...PLAINTEXT, ...service }))).requestedModel).toBe('gpt-4o');
  });

  it('refuses a request over the size limit with RESOURCE_EXHAUSTED, read as a 413 that says so', async () => {
    const limits = { requestBytes: 1_024, responseBytes: 1_024 };
    const server = await serve(PLAINTEXT, { messageLimits: limits });
    const large = 'm'.repeat(2_048);
    // A client that does not know the limit: the server refuses the message.
    const unlimited = await refused(resolve(client(server.port, PLAINTEXT), large));
    expect(unlimited).toMatchObject({ status: 413, errorClass: 'payload_too_large', code: 'grpc_message_too_large' });
    expect(unlimited.message).toMatch(/^A message between the services exceeded its size limit: .*larger than max \(\d+ vs\.? 1024\)/);
    // A client given the server's limits refuses it before sending.
    const limited = await refused(resolve(client(server.port, PLAINTEXT, limits), large));
    expect(limited).toMatchObject({ status: 413, code: 'grpc_message_too_large' });
    expect((await resolve(client(server.port, PLAINTEXT, limits))).requestedModel).toBe('gpt-4o');
  });
});

describe('plaintext gRPC', () => {
  it('is allowed on loopback addresses only', () => {
    for (const address of [
      '127.0.0.1:50051',
      '127.0.0.5:1',
      'localhost:50051',
      '[::1]:50051',
      'dns:///localhost:50051',
      'ipv4:127.0.0.1:1,127.0.0.2:2',
      'unix:/tmp/s.sock',
    ]) {
      expect([address, isLoopbackAddress(address)]).toEqual([address, true]);
    }
    for (const address of [
      '0.0.0.0:50052',
      '[::]:50052',
      '10.0.0.4:50052',
      'adapters:50052',
      'dns:///adapters.internal:50052',
      'ipv4:127.0.0.1:1,10.0.0.1:2',
    ]) {
      expect([address, isLoopbackAddress(address)]).toEqual([address, false]);
    }
  });

  it('refuses a non-loopback bind or target without TLS, naming the config path, unless tls.allowInsecure', () => {
    const expected = new ConfigError(
      'services.adapters: 0.0.0.0:50052 is not a loopback address, and gRPC without TLS is refused there: set tls.ca, tls.cert and tls.key ' +
        '(SWITCHYARD_TLS_CA, SWITCHYARD_TLS_CERT, SWITCHYARD_TLS_KEY), or tls.allowInsecure: true to accept plaintext',
    );
    expect(() => grpcServerSecurity({ tls: PLAINTEXT, address: '0.0.0.0:50052', addressPath: 'services.adapters', logger })).toThrow(expected);
    expect(() =>
      grpcClientSecurity({ tls: PLAINTEXT, addresses: { 'services.router': '127.0.0.1:1', 'services.adapters': 'adapters:50052' }, logger }),
    ).toThrow(/^services\.adapters: adapters:50052 is not a loopback address/);
    const warnings: unknown[] = [];
    const warningLogger = { ...logger, warn: (...args: unknown[]) => warnings.push(args) } as unknown as typeof logger;
    const allowed = grpcServerSecurity({
      tls: { ...PLAINTEXT, allowInsecure: true },
      address: '0.0.0.0:50052',
      addressPath: 'services.adapters',
      logger: warningLogger,
    });
    expect(allowed.secure).toBe(false);
    expect(warnings).toEqual([[{ address: '0.0.0.0:50052', path: 'services.adapters' }, expect.stringContaining('tls.allowInsecure')]]);
  });

  it('derives the adapters request limit from the body limit, and keeps the others small', () => {
    const limits = grpcMessageLimits(4 * 1024 * 1024);
    expect(limits.adapters.requestBytes).toBe(9 * 1024 * 1024);
    expect(limits.router.requestBytes).toBe(256 * 1024);
    expect(limits.observability.requestBytes).toBe(256 * 1024);
  });
});
