import { create, fromBinary, toBinary, type DescMessage } from '@bufbuild/protobuf';
import { TimestampSchema } from '@bufbuild/protobuf/wkt';
import { chatV1, eventsV1 } from '@switchyard/proto';
import { compileEncoder } from './compiled-encoder';
import { sampleEvents } from './__fixtures__/sample-events';

/** A small seeded generator, so a failure can be replayed. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return state / 2 ** 32;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const strings = [
    '',
    'a',
    'gpt-4o-mini',
    'é',
    '日本語のテキスト',
    '🙂 emoji',
    'x'.repeat(127),
    'y'.repeat(128),
    'z'.repeat(20_000),
    'mixed ascii and ü'.repeat(9),
  ];
  return {
    string: () => pick(strings),
    uint32: () => pick([0, 1, 127, 128, 300, 16_384, 2 ** 31, 2 ** 32 - 1, Math.floor(next() * 2 ** 32)]),
    double: () => pick([0, -0, 1, -1.5, 0.000123, 1e300, -1e-300, Number.NaN, Infinity, -Infinity, next() * 1e6]),
    bool: () => next() < 0.5,
    enumValue: (count: number) => Math.floor(next() * count),
    seconds: () => pick([0n, 1n, 1_700_000_000n, -1n, -62_135_596_800n, 253_402_300_799n]),
    nanos: () => pick([0, 1, 999_999_999, Math.floor(next() * 1e9)]),
    metadata: () =>
      Object.fromEntries(Array.from({ length: Math.floor(next() * 4) }, () => [pick(strings).slice(0, 300), pick(strings).slice(0, 300)])),
  };
}

function randomRequestCompleted(random: ReturnType<typeof generator>): eventsV1.RequestCompleted {
  return create(eventsV1.RequestCompletedSchema, {
    eventId: random.string(),
    occurredAt: random.bool() ? create(TimestampSchema, { seconds: random.seconds(), nanos: random.nanos() }) : undefined,
    requestId: random.string(),
    workspace: random.string(),
    keyId: random.string(),
    user: random.string(),
    sessionId: random.string(),
    traceId: random.string(),
    operation: random.enumValue(3),
    requestedModel: random.string(),
    servedModel: random.string(),
    provider: random.string(),
    deployment: random.string(),
    routePath: random.string(),
    attempts: random.uint32(),
    status: random.enumValue(4),
    httpStatus: random.uint32(),
    errorClass: random.string(),
    errorMessage: random.string(),
    latencyMs: random.double(),
    timeToFirstTokenMs: random.double(),
    streamed: random.bool(),
    tokens: random.bool()
      ? create(eventsV1.TokenCountsSchema, {
          input: random.uint32(),
          output: random.uint32(),
          cachedInput: random.uint32(),
          cacheWrite: random.uint32(),
          reasoning: random.uint32(),
        })
      : undefined,
    costUsd: random.double(),
    cacheStatus: random.enumValue(5),
    metadata: random.metadata(),
    finishReason: random.string(),
    servedBy: random.string(),
    servedByDetail: random.string(),
    annotations: random.metadata(),
    spanId: random.string(),
    parentSpanId: random.string(),
    spanName: random.string(),
    tags: Object.keys(random.metadata()),
    country: random.string(),
    promptName: random.string(),
    promptVersion: random.uint32(),
    inputCostUsd: random.double(),
    outputCostUsd: random.double(),
    priceSource: random.string(),
    experimentId: random.string(),
    experimentArm: random.string(),
  });
}

function randomCostRecorded(random: ReturnType<typeof generator>): eventsV1.CostRecorded {
  return create(eventsV1.CostRecordedSchema, {
    eventId: random.string(),
    occurredAt: create(TimestampSchema, { seconds: random.seconds(), nanos: random.nanos() }),
    requestId: random.string(),
    workspace: random.string(),
    keyId: random.string(),
    user: random.string(),
    provider: random.string(),
    model: random.string(),
    tokens: create(eventsV1.TokenCountsSchema, { input: random.uint32(), output: random.uint32() }),
    inputCostUsd: random.double(),
    outputCostUsd: random.double(),
    totalCostUsd: random.double(),
    priceSource: random.string(),
  });
}

describe('compileEncoder', () => {
  const encodeRequest = compileEncoder(eventsV1.RequestCompletedSchema)!;
  const encodeCost = compileEncoder(eventsV1.CostRecordedSchema)!;

  it('compiles both event messages', () => {
    expect(encodeRequest).toBeInstanceOf(Function);
    expect(encodeCost).toBeInstanceOf(Function);
  });

  it('writes the bytes toBinary writes for the sample events', () => {
    for (const item of sampleEvents('encoder', 40)) {
      if (item.kind !== 'request-completed' && item.kind !== 'cost-recorded') continue;
      const encoded = item.kind === 'request-completed' ? encodeRequest(item.event) : encodeCost(item.event);
      const expected =
        item.kind === 'request-completed' ? toBinary(eventsV1.RequestCompletedSchema, item.event) : toBinary(eventsV1.CostRecordedSchema, item.event);
      expect(Buffer.compare(encoded, Buffer.from(expected))).toBe(0);
    }
  });

  it('writes the bytes toBinary writes for 2,000 generated events: defaults, long and non-ASCII strings, extreme numbers, maps', () => {
    const random = generator(20261127);
    for (let index = 0; index < 1_000; index++) {
      const request = randomRequestCompleted(random);
      expect(Buffer.from(encodeRequest(request)).toString('hex')).toBe(
        Buffer.from(toBinary(eventsV1.RequestCompletedSchema, request)).toString('hex'),
      );
      const cost = randomCostRecorded(random);
      expect(Buffer.from(encodeCost(cost)).toString('hex')).toBe(Buffer.from(toBinary(eventsV1.CostRecordedSchema, cost)).toString('hex'));
    }
  });

  it('writes a message with every field at its default as zero bytes, and what it writes decodes back equal', () => {
    expect(encodeRequest(create(eventsV1.RequestCompletedSchema))).toHaveLength(0);
    const random = generator(7);
    const request = randomRequestCompleted(random);
    expect(fromBinary(eventsV1.RequestCompletedSchema, encodeRequest(request))).toEqual(request);
  });

  it('returns a buffer of its own for each message', () => {
    const [first, second] = sampleEvents('own-buffer', 4).filter((item) => item.kind === 'request-completed');
    const a = encodeRequest(first.event);
    const copy = Buffer.from(a);
    encodeRequest(second.event);
    expect(Buffer.compare(a, copy)).toBe(0);
  });

  it('declines a message type with fields it does not write (here repeated ones), leaving it to toBinary', () => {
    expect(compileEncoder(chatV1.ChatRequestSchema as DescMessage)).toBeUndefined();
  });
});
