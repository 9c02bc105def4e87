import {
  createLogger,
  type AlertHistoryEntry,
  type AlertHistoryQuery,
  type AlertRuleStatus,
  type CallContext,
  type ObservabilityQueryService,
  type WorkspaceScope,
} from '@switchyard/shared';
import { startGrpcServer, type RunningGrpcServer } from '@switchyard/rpc';
import { ObservabilityGrpcClient } from './observability-grpc-client';
import { observabilityGrpcService } from './observability-grpc-server';

const logger = createLogger('test', 'silent');

const RULES: AlertRuleStatus[] = [
  {
    name: 'errors',
    kind: 'error_rate',
    threshold: 0.25,
    windowMs: 300_000,
    minRequests: 10,
    workspace: 'team-a',
    provider: 'openai',
    model: 'gpt-4o',
    channels: ['ops', 'pager'],
    evaluationIntervalMs: 60_000,
    evaluatedAt: new Date('2026-11-26T10:00:00.123Z'),
    firing: [{ series: '', workspace: 'team-a', value: 0.5, since: new Date('2026-11-26T09:58:00Z') }],
  },
  {
    name: 'outage',
    kind: 'provider_outage',
    threshold: 1,
    windowMs: 60_000,
    minRequests: 3,
    workspace: '',
    provider: '',
    model: '',
    channels: [],
    evaluationIntervalMs: 10_000,
    firing: [],
  },
];

const ENTRY: AlertHistoryEntry = {
  id: 'alert_1',
  rule: 'errors',
  kind: 'error_rate',
  series: '',
  workspace: 'team-a',
  state: 'resolved',
  value: 0.125,
  threshold: 0.25,
  occurredAt: new Date('2026-11-26T10:05:00.5Z'),
  deliveries: { ops: { status: 'sent', attempts: 1 }, pager: { status: 'failed', attempts: 5 } },
};

/** Records the alert queries it receives and answers with fixed data. */
class AlertService implements ObservabilityQueryService {
  readonly ruleScopes: WorkspaceScope[] = [];
  readonly historyQueries: AlertHistoryQuery[] = [];
  listRequests = async () => ({ requests: [] });
  getRequest = async () => undefined;
  usage = async () => [];
  deleteUserData = async () => ({ requests: 0, usage: 0, costs: 0 });
  getTrace = async () => undefined;
  listTraces = async () => ({ traces: [] });

  async listAlertRules(scope: WorkspaceScope): Promise<AlertRuleStatus[]> {
    this.ruleScopes.push(scope);
    return RULES;
  }

  async alertHistory(query: AlertHistoryQuery): Promise<AlertHistoryEntry[]> {
    this.historyQueries.push(query);
    return [ENTRY];
  }
}

const context = (): CallContext => ({ requestId: 'r', signal: new AbortController().signal });

describe('alert queries over gRPC', () => {
  let service: AlertService;
  let server: RunningGrpcServer;
  let client: ObservabilityGrpcClient;

  beforeEach(async () => {
    service = new AlertService();
    server = await startGrpcServer({ address: '127.0.0.1:0', services: [observabilityGrpcService(service, logger)], logger });
    client = new ObservabilityGrpcClient({ address: `127.0.0.1:${server.port}`, callTimeoutMs: 2000 });
  });

  afterEach(async () => {
    client.close();
    await server.shutdown(1000);
  });

  it('returns the rules unchanged, with the caller scope', async () => {
    expect(await client.listAlertRules(['team-a'], context())).toStrictEqual(RULES);
    expect(await client.listAlertRules('all', context())).toStrictEqual(RULES);
    expect(service.ruleScopes).toStrictEqual([['team-a'], 'all']);
  });

  it('carries the history query and returns the entries unchanged', async () => {
    const query: AlertHistoryQuery = {
      from: new Date('2026-11-26T00:00:00Z'),
      to: new Date('2026-11-27T00:00:00Z'),
      rule: 'errors',
      limit: 10,
      scope: ['team-a', 'team-b'],
    };
    expect(await client.alertHistory(query, context())).toStrictEqual([ENTRY]);
    await client.alertHistory({ scope: [] }, context());
    expect(service.historyQueries).toStrictEqual([query, { from: undefined, to: undefined, rule: undefined, limit: undefined, scope: [] }]);
  });
});
