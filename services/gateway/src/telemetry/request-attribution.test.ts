import { DEFAULT_REQUEST_LIMITS, GatewayError } from '@switchyard/shared';
import { keyPrincipal } from '../auth/__fixtures__/in-memory-verifiers';
import { readAttribution } from './request-attribution';

function rejection(headers: Record<string, string>): GatewayError {
  try {
    readAttribution(headers);
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error('expected the headers to be rejected');
}

describe('readAttribution', () => {
  it('reads workspace, session, trace id and metadata', () => {
    expect(
      readAttribution({
        'x-switchyard-workspace': 'team-a',
        'x-switchyard-session-id': 'chat:42',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        'x-switchyard-metadata': '{"feature":"search","tier":"pro"}',
      }),
    ).toEqual({
      workspace: 'team-a',
      keyId: '',
      sessionId: 'chat:42',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: expect.stringMatching(/^[\da-f]{16}$/),
      parentSpanId: '00f067aa0ba902b7',
      spanName: '',
      userId: '',
      tags: [],
      country: '',
      metadata: { feature: 'search', tier: 'pro' },
    });
  });

  it('reads the Switchyard trace headers, which win over traceparent', () => {
    const attribution = readAttribution({
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      'x-switchyard-trace-id': 'AAAABBBBCCCCDDDDEEEEFFFF00001111',
      'x-switchyard-parent-span-id': '1234567890abcdef',
      'x-switchyard-span-name': 'plan step',
      'x-switchyard-user-id': 'user-7',
      'x-switchyard-tags': 'beta, search,beta',
    });
    expect(attribution).toMatchObject({
      traceId: 'aaaabbbbccccddddeeeeffff00001111',
      parentSpanId: '1234567890abcdef',
      spanName: 'plan step',
      userId: 'user-7',
      tags: ['beta', 'search'],
    });
    expect(attribution.spanId).not.toBe(attribution.parentSpanId);
  });

  it.each([
    ['x-switchyard-trace-id', 'xyz'],
    ['x-switchyard-trace-id', '00000000000000000000000000000000'],
    ['x-switchyard-parent-span-id', '123'],
    ['x-switchyard-span-name', 'bad\u0007name'],
    ['x-switchyard-user-id', 'has space'],
    ['x-switchyard-tags', 'ok,not ok'],
    ['x-switchyard-tags', Array.from({ length: 33 }, (_, index) => `t${index}`).join(',')],
  ])('refuses a malformed %s naming it', (header, value) => {
    expect(() => readAttribution({ [header]: value })).toThrow(expect.objectContaining({ param: header }));
  });

  it('ignores a traceparent with an all-zero trace id, as W3C says', () => {
    const attribution = readAttribution({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' });
    expect(attribution.traceId).not.toMatch(/^0+$/);
    expect(attribution.parentSpanId).toBe('');
  });

  it('takes the workspace and key from the principal, and a workspace header the listener let through', () => {
    const principal = keyPrincipal('team-a', { keyId: 'key_123', actableWorkspaces: ['team-a', 'team-a-staging'] });
    expect(readAttribution({}, DEFAULT_REQUEST_LIMITS, principal)).toMatchObject({ workspace: 'team-a', keyId: 'key_123' });
    expect(readAttribution({ 'x-switchyard-workspace': 'team-a-staging' }, DEFAULT_REQUEST_LIMITS, principal)).toMatchObject({
      workspace: 'team-a-staging',
      keyId: 'key_123',
    });
  });

  it('defaults the workspace and starts a new trace when none is given', () => {
    const first = readAttribution({});
    const second = readAttribution({ traceparent: 'garbage' });
    expect(first).toMatchObject({ workspace: 'default', sessionId: '', metadata: {} });
    expect(first.traceId).toMatch(/^[\da-f]{32}$/);
    expect(second.traceId).toMatch(/^[\da-f]{32}$/);
    expect(second.traceId).not.toBe(first.traceId);
  });

  it.each([
    [{ 'x-switchyard-metadata': 'not json' }, 'x-switchyard-metadata', /JSON object of strings/],
    [{ 'x-switchyard-metadata': '["a"]' }, 'x-switchyard-metadata', /JSON object of strings/],
    [{ 'x-switchyard-metadata': '{"n":1}' }, 'x-switchyard-metadata', /value of "n" must be a string/],
    [{ 'x-switchyard-metadata': JSON.stringify({ long: 'x'.repeat(513) }) }, 'x-switchyard-metadata', /longer than 512/],
    [{ 'x-switchyard-workspace': 'team a' }, 'x-switchyard-workspace', /letters, digits/],
    [{ 'x-switchyard-session-id': 'x'.repeat(129) }, 'x-switchyard-session-id', /1-128/],
    [{ 'x-switchyard-metadata': JSON.stringify({ ['k'.repeat(65)]: 'v' }) }, 'x-switchyard-metadata', /key is longer than 64/],
    [{ 'x-switchyard-workspace': 'w'.repeat(50_000) }, 'x-switchyard-workspace', /longer than 8192/],
    [{ 'x-switchyard-anything-else': 'x'.repeat(8_193) }, 'x-switchyard-anything-else', /longer than 8192/],
  ])('rejects %j with a 400 naming the header', (headers, param, message) => {
    const error = rejection(headers);
    expect(error).toMatchObject({ status: 400, errorClass: 'invalid_request', param });
    expect(error.message).toMatch(message);
  });

  it('limits metadata to 32 keys', () => {
    const metadata = Object.fromEntries(Array.from({ length: 33 }, (_, index) => [`k${index}`, 'v']));
    expect(rejection({ 'x-switchyard-metadata': JSON.stringify(metadata) }).message).toMatch(/at most 32 keys/);
  });
});
