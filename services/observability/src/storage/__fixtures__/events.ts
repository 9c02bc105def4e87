import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { TimestampSchema, type Timestamp } from '@bufbuild/protobuf/wkt';
import type { SwitchyardEvent } from '@switchyard/events';
import { eventsV1 } from '@switchyard/proto';

/** The fields of a message as `create` takes them (not a message itself, which could not be spread). */
type RequestCompletedInit = Exclude<MessageInitShape<typeof eventsV1.RequestCompletedSchema>, eventsV1.RequestCompleted>;
type CostRecordedInit = Exclude<MessageInitShape<typeof eventsV1.CostRecordedSchema>, eventsV1.CostRecorded>;

/** `2025-03-01T12:00:00.123456Z` as a Timestamp, microseconds included (up to 9 fractional digits). */
export function timestamp(iso: string): Timestamp {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(iso);
  if (match === null) throw new Error(`Not an ISO time in UTC: ${iso}`);
  const seconds = BigInt(Date.parse(`${match[1]}Z`) / 1000);
  return create(TimestampSchema, { seconds, nanos: Number((match[2] ?? '').padEnd(9, '0')) });
}

/** Microseconds since the epoch of a Timestamp (what the tables keep). */
export function micros(time: Timestamp | undefined): bigint {
  return time === undefined ? 0n : time.seconds * 1_000_000n + BigInt(Math.floor(time.nanos / 1000));
}

/** A RequestCompleted with every field set to something other than its zero value. */
export function requestCompleted(fields: RequestCompletedInit = {}): eventsV1.RequestCompleted {
  return create(eventsV1.RequestCompletedSchema, {
    eventId: 'evt-1',
    occurredAt: timestamp('2025-03-01T12:00:00.123456Z'),
    requestId: 'req-1',
    workspace: 'acme',
    keyId: 'key-1',
    user: 'user-1',
    sessionId: 'session-1',
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    operation: eventsV1.Operation.CHAT_COMPLETION,
    requestedModel: 'fast',
    servedModel: 'gpt-4o-mini-2024-07-18',
    provider: 'openai',
    deployment: 'openai/gpt-4o-mini',
    routePath: 'targets[1].targets[0]',
    attempts: 2,
    status: eventsV1.RequestStatus.SUCCEEDED,
    httpStatus: 200,
    errorClass: '',
    errorMessage: '',
    latencyMs: 812.375,
    timeToFirstTokenMs: 143.0625,
    streamed: true,
    tokens: { input: 1200, output: 350, cachedInput: 1024, cacheWrite: 64, reasoning: 128 },
    costUsd: 0.000_391_5,
    cacheStatus: eventsV1.CacheStatus.MISS,
    metadata: { team: 'search', environment: 'staging' },
    finishReason: 'stop',
    usageEstimated: true,
    servedBy: 'provider',
    servedByDetail: 'primary',
    annotations: { guardrails: 'pass' },
    spanId: '00f067aa0ba902b7',
    parentSpanId: '53995c3f42cd8ad8',
    spanName: 'answer question',
    tags: ['beta', 'search'],
    country: 'DE',
    promptName: 'support-answer',
    promptVersion: 3,
    inputCostUsd: 0.000_18,
    outputCostUsd: 0.000_211_5,
    priceSource: 'config',
    experimentId: 'exp_0123456789abcdef01234567',
    experimentArm: 'treatment',
    ...fields,
  });
}

/** A CostRecorded with every field set to something other than its zero value. */
export function costRecorded(fields: CostRecordedInit = {}): eventsV1.CostRecorded {
  return create(eventsV1.CostRecordedSchema, {
    eventId: 'cost-1',
    occurredAt: timestamp('2025-03-01T12:00:00.123457Z'),
    requestId: 'req-1',
    workspace: 'acme',
    keyId: 'key-1',
    user: 'user-1',
    provider: 'openai',
    model: 'gpt-4o-mini-2024-07-18',
    tokens: { input: 1200, output: 350, cachedInput: 1024, cacheWrite: 64, reasoning: 128 },
    inputCostUsd: 0.00018,
    outputCostUsd: 0.00021,
    totalCostUsd: 0.00039,
    priceSource: 'config',
    ...fields,
  });
}

export const requestEvent = (event: eventsV1.RequestCompleted): SwitchyardEvent => ({ kind: 'request-completed', event });
export const costEvent = (event: eventsV1.CostRecorded): SwitchyardEvent => ({ kind: 'cost-recorded', event });

export { seededRandom } from '../../../../../test/support/seeded-random';
