import { create } from '@bufbuild/protobuf';
import { healthV1 } from '@switchyard/proto';
import { healthServiceDefinition, type ServingStatus } from './health-service';

const { check } = healthServiceDefinition;

describe('grpc.health.v1 messages', () => {
  it('reads a HealthCheckRequest as protoc encodes it', () => {
    // Field 1 (service), length-delimited, "a.B".
    expect(check.requestDeserialize(Buffer.from([0x0a, 0x03, 0x61, 0x2e, 0x42])).service).toBe('a.B');
    expect(check.requestDeserialize(Buffer.alloc(0)).service).toBe('');
  });

  it('skips fields it does not know', () => {
    // Field 2 varint 5, then field 1 "x".
    expect(check.requestDeserialize(Buffer.from([0x10, 0x05, 0x0a, 0x01, 0x78])).service).toBe('x');
  });

  it('writes a request as protoc does', () => {
    expect([...check.requestSerialize(create(healthV1.HealthCheckRequestSchema, { service: 'a.B' }))]).toStrictEqual([0x0a, 0x03, 0x61, 0x2e, 0x42]);
    expect(check.requestSerialize(create(healthV1.HealthCheckRequestSchema, { service: '' })).length).toBe(0);
  });

  it.each<[ServingStatus, number[]]>([
    ['UNKNOWN', []],
    ['SERVING', [0x08, 0x01]],
    ['NOT_SERVING', [0x08, 0x02]],
    ['SERVICE_UNKNOWN', [0x08, 0x03]],
  ])('encodes and decodes %s', (status, bytes) => {
    const value = healthV1.HealthCheckResponse_ServingStatus[status];
    expect([...check.responseSerialize(create(healthV1.HealthCheckResponseSchema, { status: value }))]).toStrictEqual(bytes);
    expect(check.responseDeserialize(Buffer.from(bytes)).status).toBe(value);
  });
});
