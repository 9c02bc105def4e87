import { Server, ServerCredentials, type ServerOptions, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Logger } from '@switchyard/shared';
import { HealthService, healthServiceDefinition } from './health-service';
import type { GrpcMessageLimits } from './message-limits';

/**
 * Largest message a Switchyard server or client accepts (grpc-js defaults to
 * 4 MiB). Requests with inline images can be larger, and the gateway's own
 * body limit is the one that protects the system.
 */
export const GRPC_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface GrpcServiceRegistration {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

export interface GrpcServerOptions {
  /** `host:port`; port 0 picks a free one. */
  address: string;
  services: GrpcServiceRegistration[];
  logger: Logger;
  /** Insecure unless given; `grpcServerSecurity` makes them from the config. */
  credentials?: ServerCredentials;
  /** Largest request received and response sent; GRPC_MAX_MESSAGE_BYTES both ways unless given. */
  messageLimits?: GrpcMessageLimits;
  serverOptions?: ServerOptions;
}

export interface RunningGrpcServer {
  port: number;
  /**
   * Marks the server NOT_SERVING, stops accepting calls and waits for the
   * calls in flight to finish; after `graceMs` it cancels what is left.
   * Calling it again returns the same promise.
   */
  shutdown(graceMs: number): Promise<void>;
}

/** Starts a gRPC server for the given services plus `grpc.health.v1.Health`. */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const { address, services, logger } = options;
  const server = new Server({
    'grpc.max_receive_message_length': options.messageLimits?.requestBytes ?? GRPC_MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': options.messageLimits?.responseBytes ?? GRPC_MAX_MESSAGE_BYTES,
    ...options.serverOptions,
  });
  const health = new HealthService(new Set(services.map(({ definition }) => serviceName(definition))));
  for (const { definition, implementation } of services) server.addService(definition, implementation);
  server.addService(healthServiceDefinition, { check: health.check, watch: health.watch });

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, options.credentials ?? ServerCredentials.createInsecure(), (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    );
  });
  logger.info({ address, port, tls: options.credentials?._isSecure() ?? false }, 'grpc-server-start');

  let stopped: Promise<void> | undefined;
  const drain = (graceMs: number) =>
    new Promise<void>((resolve) => {
      logger.info({ port, graceMs }, 'grpc-server-drain');
      health.setStatus('NOT_SERVING', true);
      const timer = setTimeout(() => {
        logger.warn({ port, graceMs }, 'grpc-server-force-stop');
        server.forceShutdown();
        resolve();
      }, graceMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        logger.info({ port }, 'grpc-server-stop');
        resolve();
      });
    });
  return { port, shutdown: (graceMs) => (stopped ??= drain(graceMs)) };
}

/** `pkg.Service` from a method path `/pkg.Service/Method`. */
function serviceName(definition: ServiceDefinition): string {
  const [first] = Object.values(definition);
  return first === undefined ? '' : first.path.slice(1, first.path.lastIndexOf('/'));
}
