import { classifyWriteFailure, describeWriteFailure } from './write-failure';

/** An error as `pg` and PGlite raise them: a message and a SQLSTATE `code`. */
function sqlError(code: string, message = 'failed'): Error {
  return Object.assign(new Error(message), { code });
}

describe('classifyWriteFailure', () => {
  it.each([
    ['22P02', 'data_exception'], // invalid input syntax for type json (a lone surrogate)
    ['22021', 'data_exception'], // NUL in text
    ['22P05', 'data_exception'], // \u0000 in jsonb
    ['23502', 'integrity_violation'],
    ['54000', 'program_limit_exceeded'],
  ])('rejects the content for SQLSTATE %s', (code, reason) => {
    expect(classifyWriteFailure(sqlError(code))).toEqual({ kind: 'rejected', reason });
  });

  it.each(['08006', '57P01', '40001', '40P01', '55P03', '53100', '42P01'])('retries SQLSTATE %s', (code) => {
    expect(classifyWriteFailure(sqlError(code)).kind).toBe('transient');
  });

  it('retries a unique violation: ON CONFLICT covers it, so it is a race between writers', () => {
    expect(classifyWriteFailure(sqlError('23505')).kind).toBe('transient');
  });

  it('tells out of memory apart: from Postgres, from PGlite without a code, and an allocation over 1 GB', () => {
    expect(classifyWriteFailure(sqlError('53200', 'out of memory'))).toEqual({ kind: 'out-of-memory', reason: 'out_of_memory' });
    expect(classifyWriteFailure(new Error('RuntimeError: Aborted(Cannot enlarge memory arrays: out of memory)')).kind).toBe('out-of-memory');
    expect(classifyWriteFailure(sqlError('XX000', 'invalid memory alloc request size 1073741824'))).toEqual({
      kind: 'rejected',
      reason: 'program_limit_exceeded',
    });
    expect(classifyWriteFailure(sqlError('XX000', 'could not read block')).kind).toBe('transient');
  });

  it('retries connection errors and anything unrecognised', () => {
    expect(classifyWriteFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).kind).toBe('transient');
    expect(classifyWriteFailure(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })).kind).toBe('transient');
    expect(classifyWriteFailure(new Error('Connection terminated unexpectedly'))).toEqual({ kind: 'transient', reason: 'unrecognised' });
    expect(classifyWriteFailure('a string')).toEqual({ kind: 'transient', reason: 'unrecognised' });
  });

  it("finds a Kafka rejection inside @platformatic/kafka's nested errors and in kafkajs's", () => {
    const protocol = Object.assign(new Error('The request included a message larger than the max message size the server will accept.'), {
      code: 'PLT_KFK_PROTOCOL',
      apiId: 'MESSAGE_TOO_LARGE',
      canRetry: false,
    });
    const response = Object.assign(new AggregateError([protocol], 'Received response with error'), { code: 'PLT_KFK_RESPONSE' });
    const retries = Object.assign(new AggregateError([response], 'Produce failed'), { code: 'PLT_KFK_MULTIPLE' });
    expect(classifyWriteFailure(retries)).toEqual({ kind: 'rejected', reason: 'message_too_large' });
    expect(classifyWriteFailure(Object.assign(new Error('Corrupt'), { type: 'CORRUPT_MESSAGE', retriable: false }))).toEqual({
      kind: 'rejected',
      reason: 'corrupt_message',
    });
    const leader = Object.assign(new Error('not leader'), { code: 'PLT_KFK_PROTOCOL', apiId: 'NOT_LEADER_OR_FOLLOWER', canRetry: true });
    expect(classifyWriteFailure(leader).kind).toBe('transient');
  });

  it('looks through a wrapping error to its cause (FanOutSink, InfluxDB)', () => {
    const wrapped = new Error('Writing to postgres failed', { cause: sqlError('22P02', 'invalid input syntax for type json') });
    expect(classifyWriteFailure(wrapped)).toEqual({ kind: 'rejected', reason: 'data_exception' });
    const influx = (statusCode: number) => Object.assign(new Error(`HTTP ${statusCode}`), { statusCode, body: '{"error":"x"}' });
    expect(classifyWriteFailure(influx(400))).toEqual({ kind: 'rejected', reason: 'invalid_point' });
    expect(classifyWriteFailure(influx(413))).toEqual({ kind: 'rejected', reason: 'too_large' });
    expect(classifyWriteFailure(influx(503)).kind).toBe('transient');
  });

  it('describes a failure with every cause, outermost first', () => {
    expect(describeWriteFailure(new Error('outer', { cause: new Error('inner') }))).toBe('outer: inner');
  });
});
