import { status, type handleServerStreamingCall, type handleUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import { healthV1 } from '@switchyard/proto';
import { grpcServiceDefinition } from './service-definition';

/**
 * The standard gRPC health service, `grpc.health.v1.Health`
 * (proto/grpc/health/v1/health.proto), as used by Kubernetes gRPC probes and
 * grpc_health_probe.
 */

export type ServingStatus = keyof typeof healthV1.HealthCheckResponse_ServingStatus;

type HealthCheckRequest = healthV1.HealthCheckRequest;
type HealthCheckAnswer = { status: healthV1.HealthCheckResponse_ServingStatus };

export const healthServiceDefinition = grpcServiceDefinition(healthV1.Health);

const statusNumber = (name: ServingStatus) => healthV1.HealthCheckResponse_ServingStatus[name];

/**
 * Health of one server: every service it serves shares one status. Check
 * answers NOT_FOUND for a service the server does not have; Watch sends the
 * current status (SERVICE_UNKNOWN for such a service), then every change.
 */
export class HealthService {
  private status: ServingStatus = 'SERVING';
  /** Open Watch calls, each with whether it watches a known service. */
  private readonly watchers = new Map<ServerWritableStream<HealthCheckRequest, HealthCheckAnswer>, boolean>();

  constructor(private readonly serviceNames: ReadonlySet<string>) {}

  readonly check: handleUnaryCall<HealthCheckRequest, HealthCheckAnswer> = (call, callback) => {
    if (this.knows(call.request.service)) callback(null, { status: statusNumber(this.status) });
    else callback({ code: status.NOT_FOUND, details: `Unknown service ${call.request.service}` });
  };

  readonly watch: handleServerStreamingCall<HealthCheckRequest, HealthCheckAnswer> = (call) => {
    const known = this.knows(call.request.service);
    call.write({ status: statusNumber(known ? this.status : 'SERVICE_UNKNOWN') });
    this.watchers.set(call, known);
    call.once('cancelled', () => this.watchers.delete(call));
  };

  /** Tells every watcher; with `endWatches`, also ends their calls so they do not hold a draining server open. */
  setStatus(status: ServingStatus, endWatches = false): void {
    this.status = status;
    for (const [call, known] of this.watchers) {
      if (known) call.write({ status: statusNumber(status) });
      if (endWatches) call.end();
    }
    if (endWatches) this.watchers.clear();
  }

  private knows(service: string): boolean {
    return service === '' || this.serviceNames.has(service);
  }
}
