import { randomBytes } from 'node:crypto';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import {
  startWebhookReceiver,
  type ReceivedNotice,
  type WebhookReceiver,
} from '../../services/observability/src/alerts/__fixtures__/webhook-receiver';
import { startSwitchyard, type Mode, type RunningSwitchyard } from './switchyard-harness';

jest.setTimeout(240_000);

/**
 * Alerts in both modes, with authentication: in one process the gateway
 * evaluates; distributed, the observability service does (over the records
 * Kafka brought to Postgres) and the gateway reads rules and history over
 * gRPC. A rule of the key's workspace fires and recovers once on a real
 * webhook receiver; the key sees only its workspace's rules and history.
 */

const HOOK_PATH = '/hook';

/** Resolves when `condition` holds, checking every 50 ms; rejects after `timeoutMs`. */
async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each<Mode>(['embedded', 'distributed'])('alerts (%s mode)', (mode) => {
  const run = randomBytes(4).toString('hex');
  const workspace = `alerts-${mode}-${run}`;
  const rule = `errors-${run}`;
  const everywhere = `everywhere-${run}`;
  let upstream: MockOpenAIUpstream | undefined;
  let receiver: WebhookReceiver | undefined;
  let switchyard: RunningSwitchyard | undefined;

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
    await receiver?.close();
    delete process.env.SWITCHYARD_E2E_ALERT_HOOK;
  });

  it('fires and recovers a workspace rule once, and shows it only within the workspace', async () => {
    upstream = await startMockOpenAIUpstream();
    receiver = await startWebhookReceiver();
    process.env.SWITCHYARD_E2E_ALERT_HOOK = `${receiver.url}${HOOK_PATH}`;
    switchyard = await startSwitchyard(
      mode,
      {
        providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'] } },
        alerts: {
          evaluationIntervalMs: 200,
          channels: { pager: { kind: 'webhook', url: '${SWITCHYARD_E2E_ALERT_HOOK}' } },
          rules: [
            // The window outlasts the way from Kafka to Postgres on a busy machine.
            { name: rule, kind: 'error_rate', threshold: 0.5, windowMs: 8_000, minRequests: 3, workspace },
            // Over every workspace: only callers who may read every workspace see it. Never fires.
            { name: everywhere, kind: 'spend_burn_rate', threshold: 1e12 },
          ],
        },
      },
      { workspace },
    );
    const { origin } = switchyard;
    const asKey = (path: string) => fetch(`${origin}${path}`, { headers: switchyard!.headers() });
    const asAdmin = (path: string) => fetch(`${origin}${path}`, { headers: { authorization: `Bearer ${switchyard!.adminToken}` } });
    const chat = async () => {
      const response = await fetch(`${origin}/v1/chat/completions`, {
        method: 'POST',
        headers: switchyard!.headers({ 'content-type': 'application/json' }),
        body: JSON.stringify({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'Name a lake.' }] }),
      });
      await response.text();
      return response.status;
    };
    const notices = (type: string): ReceivedNotice[] =>
      receiver!.at(HOOK_PATH).filter((notice) => notice.body.rule === rule && notice.body.type === type);
    const evaluatedAt = async (): Promise<number> => {
      const body = (await (await asKey('/v1/alerts/rules')).json()) as { data: Array<{ name: string; evaluated_at: string | null }> };
      const mine = body.data.find((entry) => entry.name === rule);
      return mine?.evaluated_at ? Date.parse(mine.evaluated_at) : 0;
    };

    for (let index = 0; index < 4; index++) {
      upstream.enqueue({ kind: 'error', status: 500, body: { error: { message: 'The server had an error.', type: 'server_error' } } });
    }
    expect(await Promise.all([chat(), chat(), chat(), chat()])).toEqual([502, 502, 502, 502]);
    await waitFor(() => notices('alert.firing').length > 0, 90_000, 'the firing notice');
    // Healthy traffic, one request per evaluation, until the failures have left the window.
    const deadline = Date.now() + 90_000;
    while (notices('alert.resolved').length === 0) {
      if (Date.now() > deadline) throw new Error('Timed out waiting for the recovery notice.');
      expect(await chat()).toBe(200);
      const before = await evaluatedAt();
      await waitFor(async () => (await evaluatedAt()) > before, 30_000, 'the next evaluation');
    }
    for (let round = 0; round < 3; round++) {
      const before = await evaluatedAt();
      await waitFor(async () => (await evaluatedAt()) > before, 30_000, 'another evaluation');
    }
    expect([notices('alert.firing').length, notices('alert.resolved').length]).toEqual([1, 1]);
    expect(notices('alert.firing')[0].body).toMatchObject({ kind: 'error_rate', workspace, threshold: 0.5, window_ms: 8_000 });

    // The key reads its workspace's rule only; the admin token every rule.
    const keyRules = (await (await asKey('/v1/alerts/rules')).json()) as { data: Array<{ name: string; state: string }> };
    expect(keyRules.data.map((entry) => [entry.name, entry.state])).toEqual([[rule, 'ok']]);
    const adminRules = (await (await asAdmin('/v1/alerts/rules')).json()) as { data: Array<{ name: string }> };
    expect(adminRules.data.map((entry) => entry.name)).toEqual(expect.arrayContaining([rule, everywhere]));
    await waitFor(
      async () => {
        const body = (await (await asKey(`/v1/alerts/history?rule=${rule}`)).json()) as { data: Array<{ deliveries: object }> };
        return body.data.length === 2 && body.data.every((entry) => Object.keys(entry.deliveries).length === 1);
      },
      30_000,
      'both entries with their delivery',
    );
    const history = (await (await asKey(`/v1/alerts/history?rule=${rule}`)).json()) as { data: Array<Record<string, unknown>> };
    expect(history.data.map((entry) => [entry.rule, entry.state, entry.workspace, entry.deliveries])).toEqual([
      [rule, 'resolved', workspace, { pager: { status: 'sent', attempts: 1 } }],
      [rule, 'firing', workspace, { pager: { status: 'sent', attempts: 1 } }],
    ]);
  });
});
