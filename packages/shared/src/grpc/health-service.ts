import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import {
  status,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type MethodDefinition,
  type ServerWritableStream,
} from '@grpc/grpc-js';

/**
 * The standard gRPC health service, `grpc.health.v1.Health`
 * (https://github.com/grpc/grpc/blob/master/doc/health-checking.md), as used
 * by Kubernetes gRPC probes and grpc_health_probe. Its two messages have one
 * field each, so they are encoded here directly:
 *   HealthCheckRequest  { string service = 1; }
 *   HealthCheckResponse { ServingStatus status = 1; }
 */

export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

export interface HealthCheckRequest {
  /** A fully qualified service name, or '' for the server as a whole. */
  service: string;
}

export interface HealthCheckResponse {
  status: ServingStatus;
}

const STATUS_NUMBERS: Record<ServingStatus, number> = { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 };
const STATUS_NAMES = Object.keys(STATUS_NUMBERS) as ServingStatus[];

function encodeRequest(request: HealthCheckRequest): Buffer {
  const writer = new BinaryWriter();
  if (request.service !== '') writer.tag(1, WireType.LengthDelimited).string(request.service);
  return Buffer.from(writer.finish());
}

function decodeRequest(bytes: Buffer): HealthCheckRequest {
  const reader = new BinaryReader(bytes);
  let service = '';
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) service = reader.string();
    else reader.skip(wireType, field);
  }
  return { service };
}

function encodeResponse(response: HealthCheckResponse): Buffer {
  const writer = new BinaryWriter();
  const value = STATUS_NUMBERS[response.status];
  if (value !== 0) writer.tag(1, WireType.Varint).int32(value);
  return Buffer.from(writer.finish());
}

function decodeResponse(bytes: Buffer): HealthCheckResponse {
  const reader = new BinaryReader(bytes);
  let value = 0;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.Varint) value = reader.int32();
    else reader.skip(wireType, field);
  }
  return { status: STATUS_NAMES[value] ?? 'UNKNOWN' };
}

function method(name: string, responseStream: boolean): MethodDefinition<HealthCheckRequest, HealthCheckResponse> {
  return {
    path: `/grpc.health.v1.Health/${name}`,
    originalName: name,
    requestStream: false,
    responseStream,
    requestSerialize: encodeRequest,
    requestDeserialize: decodeRequest,
    responseSerialize: encodeResponse,
    responseDeserialize: decodeResponse,
  };
}

export const healthServiceDefinition = { check: method('Check', false), watch: method('Watch', true) };

/**
 * Health of one server: every service it serves shares one status. Check
 * answers NOT_FOUND for a service the server does not have; Watch sends the
 * current status (SERVICE_UNKNOWN for such a service), then every change.
 */
export class HealthService {
  private status: ServingStatus = 'SERVING';
  /** Open Watch calls, each with whether it watches a known service. */
  private readonly watchers = new Map<ServerWritableStream<HealthCheckRequest, HealthCheckResponse>, boolean>();

  constructor(private readonly serviceNames: ReadonlySet<string>) {}

  readonly check: handleUnaryCall<HealthCheckRequest, HealthCheckResponse> = (call, callback) => {
    if (this.knows(call.request.service)) callback(null, { status: this.status });
    else callback({ code: status.NOT_FOUND, details: `Unknown service ${call.request.service}` });
  };

  readonly watch: handleServerStreamingCall<HealthCheckRequest, HealthCheckResponse> = (call) => {
    const known = this.knows(call.request.service);
    call.write({ status: known ? this.status : 'SERVICE_UNKNOWN' });
    this.watchers.set(call, known);
    call.once('cancelled', () => this.watchers.delete(call));
  };

  /** Tells every watcher; with `endWatches`, also ends their calls so they do not hold a draining server open. */
  setStatus(status: ServingStatus, endWatches = false): void {
    this.status = status;
    for (const [call, known] of this.watchers) {
      if (known) call.write({ status });
      if (endWatches) call.end();
    }
    if (endWatches) this.watchers.clear();
  }

  private knows(service: string): boolean {
    return service === '' || this.serviceNames.has(service);
  }
}
