import { configSchema } from '@switchyard/shared';
import type { RequestOutcome } from '../request-recorder';
import { providerIdentities } from './gen-ai-names';
import { requestSpans } from './request-spans';

const providers = providerIdentities(
  configSchema.parse({
    providers: {
      primary: { kind: 'openai', baseUrl: 'http://127.0.0.1:9100/v1', models: ['gpt-4o-mini'] },
      claude: { kind: 'anthropic', models: ['claude-*'] },
      fast: { kind: 'openai', preset: 'groq', models: ['llama-*'] },
      azure: { kind: 'azure', models: ['gpt-4o'] },
    },
  }).providers,
);

const primary = { id: 'primary/gpt-4o-mini', providerId: 'primary', model: 'gpt-4o-mini' };
const claude = { id: 'claude/claude-sonnet-4-5', providerId: 'claude', model: 'claude-sonnet-4-5' };

function outcome(overrides: Partial<RequestOutcome> = {}): RequestOutcome {
  return {
    requestId: 'req-1',
    endedAt: new Date(1_800_000_001_000),
    operation: 'chat.completion',
    attribution: {
      workspace: 'team-a',
      keyId: '',
      sessionId: 'chat-7',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      parentSpanId: 'a3ce929d0e0e4736',
      spanName: '',
      userId: '',
      tags: ['beta'],
      country: '',
      metadata: {},
    },
    user: '',
    requestedModel: 'smart',
    deployment: claude,
    routePath: 'targets[1]',
    attempts: 2,
    servedModel: 'claude-sonnet-4-5-20250929',
    streamed: false,
    status: 'succeeded',
    httpStatus: 200,
    latencyMs: 1_000,
    timeToFirstTokenMs: 0,
    usage: { inputTokens: 14, outputTokens: 30, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    finishReason: 'stop',
    servedBy: 'provider',
    report: {
      attempts: [
        { deployment: primary, routePath: 'targets[0]', retry: 0, outcome: 'failed', failure: 'server_error', status: 500, durationMs: 200 },
        { deployment: claude, routePath: 'targets[1]', retry: 0, outcome: 'succeeded', status: 200, durationMs: 600 },
      ],
      served: 1,
    },
    reportedAfterMs: 900,
    ...overrides,
  };
}

describe('requestSpans', () => {
  it('keeps the record ids and names the request span after its operation and requested model', () => {
    const spans = requestSpans(outcome(), providers);
    expect(spans).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', parentSpanId: 'a3ce929d0e0e4736' });
    expect(spans.request).toEqual({
      name: 'chat smart',
      kind: 'server',
      startMs: 1_800_000_000_000,
      endMs: 1_800_000_001_000,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'smart',
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.response.model': 'claude-sonnet-4-5-20250929',
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.usage.input_tokens': 14,
        'gen_ai.usage.output_tokens': 30,
        'gen_ai.conversation.id': 'chat-7',
        'http.response.status_code': 200,
        'switchyard.request_id': 'req-1',
        'switchyard.workspace': 'team-a',
        'switchyard.streamed': false,
        'switchyard.attempts': 2,
        'switchyard.provider': 'claude',
        'switchyard.deployment': 'claude/claude-sonnet-4-5',
        'switchyard.route_path': 'targets[1]',
        'switchyard.tags': ['beta'],
        'switchyard.served_by': 'provider',
      },
    });
  });

  it('lays the attempts out back to back, ending when the report came, with the provider address and the failure', () => {
    const [failed, served] = requestSpans(outcome(), providers).attempts;
    expect(failed).toMatchObject({
      name: 'chat gpt-4o-mini',
      kind: 'client',
      startMs: 1_800_000_000_100,
      endMs: 1_800_000_000_300,
      errorType: 'server_error',
      attributes: {
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'server.address': '127.0.0.1',
        'server.port': 9100,
        'error.type': 'server_error',
        'switchyard.attempt.http_status': 500,
      },
    });
    expect(failed.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
    expect(served).toMatchObject({
      name: 'chat claude-sonnet-4-5',
      startMs: 1_800_000_000_300,
      endMs: 1_800_000_000_900,
      attributes: {
        'gen_ai.provider.name': 'anthropic',
        'server.address': 'api.anthropic.com',
        'server.port': 443,
        'gen_ai.response.model': 'claude-sonnet-4-5-20250929',
        'gen_ai.usage.output_tokens': 30,
      },
    });
    expect(served.errorType).toBeUndefined();
  });

  it('runs the committed stream until the request ends, and a hedge alongside the attempt it hedged', () => {
    const spans = requestSpans(
      outcome({
        streamed: true,
        reportedAfterMs: 400,
        report: {
          attempts: [
            { deployment: primary, routePath: 'targets[0]', retry: 0, outcome: 'cancelled', durationMs: 300 },
            { deployment: claude, routePath: 'targets[1]', retry: 0, outcome: 'succeeded', durationMs: 150, hedge: true },
          ],
          served: 1,
        },
      }),
      providers,
    );
    const [hedged, hedge] = spans.attempts;
    expect(hedge).toMatchObject({ startMs: 1_800_000_000_250, endMs: 1_800_000_001_000, attributes: { 'switchyard.attempt.hedge': true } });
    expect(hedged).toMatchObject({ startMs: 1_800_000_000_100, endMs: 1_800_000_000_400, errorType: 'cancelled' });
  });

  it('marks a failed request, names the span as the client asked, and knows the well-known provider names', () => {
    const spans = requestSpans(
      outcome({
        status: 'failed',
        httpStatus: 502,
        error: { errorClass: 'upstream', message: 'Bad gateway' },
        attribution: { ...outcome().attribution, spanName: 'summarise ticket', parentSpanId: '' },
        usage: undefined,
        report: { attempts: [{ deployment: primary, routePath: '', retry: 0, outcome: 'skipped', failure: 'breaker_open', durationMs: 0 }] },
      }),
      providers,
    );
    expect(spans.request).toMatchObject({ name: 'summarise ticket', errorType: 'upstream', attributes: { 'error.type': 'upstream' } });
    expect(spans.parentSpanId).toBe('');
    expect(spans.attempts[0]).toMatchObject({
      attributes: { 'switchyard.attempt.outcome': 'skipped', 'switchyard.attempt.skip_reason': 'breaker_open' },
    });
    expect(spans.attempts[0].endMs).toBe(spans.attempts[0].startMs);
    expect(providers.get('fast')).toEqual({ name: 'groq', address: 'api.groq.com', port: 443 });
    expect(providers.get('azure')).toEqual({ name: 'azure.ai.openai' });
  });
});
