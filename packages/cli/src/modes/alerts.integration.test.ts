import { configSchema } from '@switchyard/shared';
import { startMockOpenAIUpstream, DEFAULT_FIXTURES, type MockOpenAIUpstream } from '../../../../test/support/mock-openai-upstream';
import {
  startWebhookReceiver,
  type ReceivedNotice,
  type WebhookReceiver,
} from '../../../../services/observability/src/alerts/__fixtures__/webhook-receiver';
import { capturingLogger, waitFor } from '../../../events/src/__fixtures__/sample-events';
import { startEmbedded, type EmbeddedGateway } from './embedded';

jest.setTimeout(180_000);

/**
 * Alerts end to end in one process: real traffic through the gateway to a
 * failing, then slow, mock upstream; the rules fire and recover once each,
 * told to a real webhook receiver on loopback (Slack-compatible and
 * generic), and the history and rules are read back through the API.
 */

const SLACK_PATH = '/slack/T000/B000/alerts-secret-token';
const HOOK_PATH = '/hook';
const SLOW_MODEL = 'gpt-4o-mini';

describe('alerts in one process', () => {
  let upstream: MockOpenAIUpstream | undefined;
  let receiver: WebhookReceiver | undefined;
  let gateway: EmbeddedGateway | undefined;

  afterEach(async () => {
    await gateway?.close(100);
    await upstream?.close();
    await receiver?.close();
    delete process.env.SWITCHYARD_TEST_ALERT_SLACK;
    delete process.env.SWITCHYARD_TEST_ALERT_HOOK;
  });

  it('fires and recovers each rule once, on every channel, with traffic to a failing and a slow upstream', async () => {
    upstream = await startMockOpenAIUpstream();
    receiver = await startWebhookReceiver();
    process.env.SWITCHYARD_TEST_ALERT_SLACK = `${receiver.url}${SLACK_PATH}`;
    process.env.SWITCHYARD_TEST_ALERT_HOOK = `${receiver.url}${HOOK_PATH}`;
    const config = configSchema.parse({
      server: { host: '127.0.0.1', port: 0 },
      providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'] } },
      events: { lingerMs: 5 },
      observability: { dataDirectory: 'memory://' },
      alerts: {
        evaluationIntervalMs: 100,
        channels: {
          ops: { kind: 'slack', url: '${SWITCHYARD_TEST_ALERT_SLACK}' },
          pager: { kind: 'webhook', url: '${SWITCHYARD_TEST_ALERT_HOOK}' },
        },
        rules: [
          { name: 'errors', kind: 'error_rate', threshold: 0.5, windowMs: 3_000, minRequests: 3 },
          // Only the model the slow traffic asks for: how long other requests take on a busy machine does not matter.
          { name: 'slow', kind: 'latency_p95', threshold: 400, windowMs: 3_000, minRequests: 3, model: SLOW_MODEL },
        ],
      },
    });
    const { logger, lines } = capturingLogger('info');
    gateway = await startEmbedded(config, logger);
    // Records in memory open at first need (initdb takes seconds): the failures must be recorded within their window.
    await gateway.recordsReady;
    const { url } = gateway;
    const chat = async (stream = false, model = 'gpt-4.1-nano') => {
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'Name a river.' }] }),
      });
      await response.text();
      return response.status;
    };
    const notices = (path: string, rule: string, type: string): ReceivedNotice[] =>
      receiver!
        .at(path)
        .filter((notice) =>
          path === HOOK_PATH
            ? notice.body.rule === rule && notice.body.type === type
            : notice.body.text.startsWith(`[${type === 'alert.firing' ? 'FIRING' : 'RESOLVED'}] ${rule}:`),
        );
    const told = (rule: string, type: string) => notices(SLACK_PATH, rule, type).length >= 1 && notices(HOOK_PATH, rule, type).length >= 1;
    const evaluatedAt = async (): Promise<number> => {
      const body = (await (await fetch(`${url}/v1/alerts/rules`)).json()) as { data: Array<{ evaluated_at: string | null }> };
      return Math.min(...body.data.map((rule) => (rule.evaluated_at ? Date.parse(rule.evaluated_at) : 0)));
    };
    /** Sends healthy traffic, one request per evaluation, until `done`. */
    const healthyTrafficUntil = async (done: () => boolean, what: string) => {
      const deadline = Date.now() + 60_000;
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
        expect(await chat()).toBe(200);
        const before = await evaluatedAt();
        await waitFor(async () => (await evaluatedAt()) > before, 30_000, 'the next evaluation');
      }
    };

    // The upstream fails: most requests in the window are errors.
    for (let index = 0; index < 4; index++) {
      upstream.enqueue({ kind: 'error', status: 500, body: { error: { message: 'The server had an error.', type: 'server_error' } } });
    }
    expect(await Promise.all([chat(), chat(), chat(), chat()])).toEqual([502, 502, 502, 502]);
    await waitFor(() => told('errors', 'alert.firing'), 60_000, 'the error-rate firing notice');
    // It recovers once the failures have left the window and healthy traffic has come in.
    await healthyTrafficUntil(() => told('errors', 'alert.resolved'), 'the error-rate recovery notice');

    // The upstream turns slow.
    const slow = Array.from({ length: 3 }, () => {
      upstream!.enqueue({ kind: 'slow-stream', file: DEFAULT_FIXTURES.stream, chunkDelayMs: 25 });
      return chat(true, SLOW_MODEL);
    });
    expect(await Promise.all(slow)).toEqual([200, 200, 200]);
    await waitFor(() => told('slow', 'alert.firing'), 60_000, 'the latency firing notice');
    await healthyTrafficUntil(() => told('slow', 'alert.resolved'), 'the latency recovery notice');

    // A few more evaluations change nothing: each firing and each recovery was told once, per channel.
    for (let round = 0; round < 3; round++) {
      const before = await evaluatedAt();
      await waitFor(async () => (await evaluatedAt()) > before, 30_000, 'another evaluation');
    }
    for (const rule of ['errors', 'slow']) {
      for (const type of ['alert.firing', 'alert.resolved']) {
        expect({ rule, type, slack: notices(SLACK_PATH, rule, type).length, hook: notices(HOOK_PATH, rule, type).length }).toEqual({
          rule,
          type,
          slack: 1,
          hook: 1,
        });
      }
    }
    expect(receiver.received).toHaveLength(8);
    const firing = notices(HOOK_PATH, 'errors', 'alert.firing')[0].body;
    expect(firing).toMatchObject({ kind: 'error_rate', threshold: 0.5, window_ms: 3_000, workspace: null });
    expect(firing.value).toBeGreaterThanOrEqual(0.5);
    expect(notices(SLACK_PATH, 'slow', 'alert.firing')[0].body.blocks).toHaveLength(2);

    // The API shows the history, newest first, with each channel's delivery, and both rules back to ok.
    await waitFor(
      async () => {
        const body = (await (await fetch(`${url}/v1/alerts/history`)).json()) as { data: Array<{ deliveries: object }> };
        return body.data.length === 4 && body.data.every((entry) => Object.keys(entry.deliveries).length === 2);
      },
      30_000,
      'the deliveries in the history',
    );
    const history = (await (await fetch(`${url}/v1/alerts/history`)).json()) as { object: string; data: Array<Record<string, unknown>> };
    expect(history.object).toBe('list');
    expect(history.data.map((entry) => [entry.rule, entry.state])).toEqual([
      ['slow', 'resolved'],
      ['slow', 'firing'],
      ['errors', 'resolved'],
      ['errors', 'firing'],
    ]);
    expect(history.data[3]).toMatchObject({
      object: 'alert_event',
      kind: 'error_rate',
      deliveries: { ops: { status: 'sent', attempts: 1 }, pager: { status: 'sent', attempts: 1 } },
    });
    const onlySlow = (await (await fetch(`${url}/v1/alerts/history?rule=slow`)).json()) as { data: Array<{ rule: string }> };
    expect(onlySlow.data.map((entry) => entry.rule)).toEqual(['slow', 'slow']);
    const rules = (await (await fetch(`${url}/v1/alerts/rules`)).json()) as { data: Array<Record<string, unknown>> };
    expect(rules.data.map((rule) => [rule.name, rule.kind, rule.state, rule.firing])).toEqual([
      ['errors', 'error_rate', 'ok', []],
      ['slow', 'latency_p95', 'ok', []],
    ]);
    // Bad input is a 400 in OpenAI's shape, naming the parameter.
    const bad = await fetch(`${url}/v1/alerts/history?from=yesterday`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { param: 'from', type: 'invalid_request_error' } });
    // The webhook's secret never reaches the logs.
    expect(JSON.stringify(lines)).not.toContain('alerts-secret-token');
  });
});
