import { executionPolicy, resilienceConfigSchema, type ExecutionPlan, type ExecutionReport } from '@switchyard/shared';
import {
  executionPlanFromProto,
  executionPlanToProto,
  executionReportFromBinary,
  executionReportFromProto,
  executionReportToBinary,
  executionReportToProto,
} from './execution-codec';

const deployment = (providerId: string) => ({ id: `${providerId}/m`, providerId, model: 'm' });

describe('execution codec', () => {
  it('round-trips a plan with its deadline, policy and fallbacks by failure kind', () => {
    const plan: ExecutionPlan = {
      requestedModel: 'smart',
      attempts: [
        { deployment: deployment('a'), routePath: 'targets[0]' },
        { deployment: deployment('b'), routePath: 'targets[1]' },
      ],
      deadline: 1_767_225_600_000,
      policy: { ...executionPolicy(resilienceConfigSchema.parse({ retries: 2, attemptTimeoutMs: 500 })), hedging: { afterMs: 250 } },
      fallbacks: { context_length: [{ deployment: deployment('large'), routePath: 'contextLengthFallback' }] },
    };
    expect(executionPlanFromProto(executionPlanToProto(plan))).toEqual(plan);
    const bare: ExecutionPlan = { requestedModel: 'm', attempts: [{ deployment: deployment('a'), routePath: '' }] };
    expect(executionPlanFromProto(executionPlanToProto(bare))).toEqual(bare);
  });

  it('round-trips a report, in a message and as trailer bytes', () => {
    const report: ExecutionReport = {
      attempts: [
        { deployment: deployment('a'), routePath: 'targets[0]', retry: 0, outcome: 'failed', failure: 'rate_limit', status: 429, durationMs: 12.5 },
        { deployment: deployment('a'), routePath: 'targets[0]', retry: 1, outcome: 'cancelled', failure: 'cancelled', status: 499, durationMs: 3 },
        { deployment: deployment('b'), routePath: 'targets[1]', retry: 0, outcome: 'succeeded', durationMs: 40, timeToFirstTokenMs: 20, hedge: true },
      ],
      served: 2,
    };
    expect(executionReportFromProto(executionReportToProto(report))).toEqual(report);
    expect(executionReportFromBinary(executionReportToBinary(report))).toEqual(report);
  });

  it('keeps only the last attempts of a very long report in a trailer, the served index following them', () => {
    const attempts = Array.from({ length: 40 }, (_, retry) => ({
      deployment: deployment('a'),
      routePath: '',
      retry,
      outcome: 'failed' as const,
      failure: 'server_error' as const,
      status: 502,
      durationMs: 1,
    }));
    const decoded = executionReportFromBinary(executionReportToBinary({ attempts, served: 39 }));
    expect(decoded.attempts).toHaveLength(32);
    expect(decoded.attempts[0].retry).toBe(8);
    expect(decoded.served).toBe(31);
  });
});
