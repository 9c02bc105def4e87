import { get } from 'node:http';
import WebSocket from 'ws';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/headless-chromium';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { waitFor } from '../support/wait-for';
import { startSwitchyard, type RunningSwitchyard } from './switchyard-harness';

/**
 * The web dashboard at /ui, in a real browser (Debian's headless Chromium
 * driven by playwright-core) against a gateway with authentication on:
 * the page asks for a key, lists and filters the recorded requests, opens
 * one, and the live tail shows a request sent while it is open, only of
 * the key's workspace. The live tail's WebSocket refuses what it must.
 */

const PRICES = { 'gpt-4.1-nano*': { input: 0.1, output: 0.4 }, 'gpt-4o*': { input: 2.5, output: 10 } };
const RUN = `ui-${Date.now().toString(36)}`;
const ALERT_RULE = 'default-errors';

let upstream: MockOpenAIUpstream;
let switchyard: RunningSwitchyard;
let browser: Browser;
let page: Page | undefined;
/**
 * What the page logged as errors (a script or connection the CSP refused, a failed render); answers
 * the page shows itself (a 404 of an API this gateway does not serve) are left out.
 */
let pageErrors: string[] = [];

async function chat(model: string, requestId: string, headers: Record<string, string>): Promise<number> {
  const response = await fetch(`${switchyard.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello' }], user: 'alice' }),
  });
  await response.arrayBuffer();
  return response.status;
}

async function recordedIds(): Promise<string[]> {
  const response = await fetch(`${switchyard.origin}/v1/requests?limit=100`, { headers: switchyard.headers() });
  const body = (await response.json()) as { data: Array<{ id: string }> };
  return body.data.map((record) => record.id);
}

/** Opens the dashboard, gives it the run's key, and goes to `page` (`requests`, `live`…). */
async function openDashboard(path: string): Promise<Page> {
  page = await browser.newPage();
  pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
  });
  await page.goto(`${switchyard.origin}/ui`);
  await page.locator('input[name="key"]').fill(switchyard.apiKey!);
  await page.getByRole('button', { name: 'Open the dashboard' }).click();
  // Only the fragment changes: the same document, its key still in sessionStorage.
  await page.goto(`${switchyard.origin}/ui#/${path}`);
  return page;
}

async function rowIds(current: Page, table: string): Promise<string[]> {
  return current.locator(`[data-testid="${table}"] tbody tr`).evaluateAll((rows) => rows.map((row) => row.getAttribute('data-request-id') ?? ''));
}

const seeded = {
  nano: [`${RUN}-nano-1`, `${RUN}-nano-2`, `${RUN}-nano-3`],
  gpt4o: [`${RUN}-4o-1`, `${RUN}-4o-2`],
  failed: `${RUN}-failed`,
  otherWorkspace: `${RUN}-other-1`,
};

beforeAll(async () => {
  upstream = await startMockOpenAIUpstream();
  switchyard = await startSwitchyard('embedded', {
    providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['gpt-4.1-nano', 'gpt-4o'], prices: PRICES } },
    // One failed request of six is over 10 %: the rule fires once the requests are recorded.
    alerts: {
      evaluationIntervalMs: 200,
      rules: [{ name: ALERT_RULE, kind: 'error_rate', threshold: 0.1, windowMs: 600_000, minRequests: 1, workspace: 'default' }],
    },
  });
  browser = await launchChromium();
  for (const id of seeded.nano) expect(await chat('gpt-4.1-nano', id, switchyard.headers())).toBe(200);
  for (const id of seeded.gpt4o) expect(await chat('gpt-4o', id, switchyard.headers())).toBe(200);
  upstream.enqueue({ kind: 'error', status: 400, body: { error: { message: 'bad request', type: 'invalid_request_error' } } });
  expect(await chat('gpt-4o', seeded.failed, switchyard.headers())).toBe(400);
  // Another workspace's request, which the key of `default` must never see.
  const admin = { authorization: `Bearer ${switchyard.adminToken}`, 'x-switchyard-workspace': 'other' };
  expect(await chat('gpt-4.1-nano', seeded.otherWorkspace, admin)).toBe(200);
  await waitFor(recordedIds, (ids) => ids.length === 6, { timeoutMs: 15_000, what: 'the six requests of default recorded' });
}, 120_000);

afterEach(async () => {
  await page?.close();
  page = undefined;
});

afterAll(async () => {
  await browser?.close();
  await switchyard?.close();
  await upstream?.close();
});

describe('the page', () => {
  it('is served without a credential, with a Content-Security-Policy, and asks for a key', async () => {
    const current = (page = await browser.newPage());
    const response = await current.goto(`${switchyard.origin}/ui`);
    expect(response?.status()).toBe(200);
    const headers = response!.headers();
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['x-content-type-options']).toBe('nosniff');
    await expect(current.locator('input[name="key"]').isVisible()).resolves.toBe(true);
    // The API behind it still asks for one.
    expect((await fetch(`${switchyard.origin}/v1/requests`)).status).toBe(401);
  });

  it('answers files the build did not write, and other methods, in the API error shape', async () => {
    // Only the files the build wrote, by exact name: nothing next to them.
    // node:http sends the path as written (fetch would resolve the dots first).
    const outside = await new Promise<number>((resolve, reject) => {
      const { hostname, port } = new URL(switchyard.origin);
      get({ hostname, port, path: '/ui/assets/../../package.json' }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(outside).toBe(404);
    const unknown = await fetch(`${switchyard.origin}/ui/assets/nothing.js`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'unknown_url' } });
    const posted = await fetch(`${switchyard.origin}/ui`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(posted.status).toBe(405);
    expect(await posted.json()).toMatchObject({ error: { code: 'method_not_allowed' } });
  });
});

describe('requests', () => {
  it('lists the records of the key workspace and filters them by model and status', async () => {
    const current = await openDashboard('requests');
    const all = [...seeded.nano, ...seeded.gpt4o, seeded.failed].sort();
    await waitFor(
      () => rowIds(current, 'request-list'),
      (ids) => ids.length === all.length,
      { timeoutMs: 15_000, what: 'the request list' },
    );
    expect((await rowIds(current, 'request-list')).sort()).toEqual(all);

    await current.locator('input[name="model"]').fill('gpt-4o');
    await current.getByRole('button', { name: 'Apply' }).click();
    const gpt4o = await waitFor(
      () => rowIds(current, 'request-list'),
      (ids) => ids.length === 3,
      { timeoutMs: 15_000, what: 'the gpt-4o requests' },
    );
    expect(gpt4o.sort()).toEqual([...seeded.gpt4o, seeded.failed].sort());

    await current.locator('select[name="status"]').selectOption('failed');
    await current.getByRole('button', { name: 'Apply' }).click();
    await waitFor(
      () => rowIds(current, 'request-list'),
      (ids) => ids.length === 1 && ids[0] === seeded.failed,
      { timeoutMs: 15_000, what: 'the failed request alone' },
    );
    expect(pageErrors).toEqual([]);
  });

  it('opens a record with its details', async () => {
    const current = await openDashboard('requests');
    await current.locator(`tr[data-request-id="${seeded.gpt4o[0]}"] a`).click();
    const detail = current.getByTestId('request-detail');
    await detail.getByText(`Request ${seeded.gpt4o[0]}`).waitFor();
    await detail.locator('dd', { hasText: 'alice' }).waitFor();
    const text = await detail.innerText();
    expect(text).toContain('gpt-4o');
    expect(text).toContain('succeeded (200)');
    expect(current.url()).toContain(`#/requests/${seeded.gpt4o[0]}`);
    // Its trace: the gateway's own span for the request, a generation.
    const span = current.getByTestId('trace-tree').getByTestId('trace-span').first();
    await span.waitFor();
    expect(await span.innerText()).toContain('generation');
    expect(await span.innerText()).toContain('gpt-4o');
  });
});

/** The usage table's rows as `[group, requests]`. */
async function usageRows(current: Page): Promise<string[][]> {
  return current
    .locator('[data-testid="usage-table"] tbody tr')
    .evaluateAll((rows) =>
      rows.map((row) => Array.from(row.querySelectorAll('td'), (cell: { textContent: string | null }) => cell.textContent ?? '').slice(0, 2)),
    );
}

describe('overview and usage', () => {
  it('shows the totals of the key workspace and draws the charts', async () => {
    const current = await openDashboard('overview');
    // Six requests of `default`, one failed; the other workspace's is not counted.
    await current.getByTestId('total-requests').getByText('6', { exact: true }).waitFor();
    expect(await current.getByTestId('error-rate').innerText()).toContain('16.7 %');
    await current.locator('figure.chart canvas').first().waitFor();
    expect(await current.locator('figure.chart').count()).toBe(3);
    expect(pageErrors).toEqual([]);
  });

  it('groups usage by the dimension picked', async () => {
    const current = await openDashboard('usage');
    await current.locator('select[name="group_by"]').selectOption('status');
    await waitFor(
      () => usageRows(current),
      (rows) => rows.length === 2,
      { timeoutMs: 15_000, what: 'usage by status' },
    );
    expect((await usageRows(current)).sort()).toEqual([
      ['failed', '1'],
      ['succeeded', '5'],
    ]);
    await current.locator('select[name="group_by"]').selectOption('user');
    await waitFor(
      () => usageRows(current),
      (rows) => rows.length === 1 && rows[0][0] === 'alice',
      { timeoutMs: 15_000, what: 'usage by user' },
    );
    expect(await usageRows(current)).toEqual([['alice', '6']]);
    expect(pageErrors).toEqual([]);
  });
});

describe('alerts', () => {
  it('shows the rules of the key workspace and what fired', async () => {
    await waitFor(
      async () => {
        const response = await fetch(`${switchyard.origin}/v1/alerts/history`, { headers: switchyard.headers() });
        return ((await response.json()) as { data: unknown[] }).data.length;
      },
      (entries) => entries > 0,
      { timeoutMs: 15_000, what: 'the error-rate rule to fire' },
    );
    const current = await openDashboard('alerts');
    await current.getByTestId('alert-rules').getByText(ALERT_RULE).waitFor();
    await current.getByTestId('alert-history').getByText(ALERT_RULE).first().waitFor();
    expect(pageErrors).toEqual([]);
  });
});

describe('live tail', () => {
  it('shows a request sent while it is open, and none of another workspace', async () => {
    const current = await openDashboard('live');
    await current.getByTestId('live-status').getByText('live').waitFor();
    const hidden = `${RUN}-live-other`;
    const shown = `${RUN}-live-own`;
    const admin = { authorization: `Bearer ${switchyard.adminToken}`, 'x-switchyard-workspace': 'other' };
    expect(await chat('gpt-4.1-nano', hidden, admin)).toBe(200);
    expect(await chat('gpt-4o', shown, switchyard.headers())).toBe(200);
    await current.locator(`[data-testid="live-list"] tr[data-request-id="${shown}"]`).waitFor({ timeout: 15_000 });
    // Both were published in order; the own one arrived, so the other would have by now.
    expect(await rowIds(current, 'live-list')).toEqual([shown]);
    expect(pageErrors).toEqual([]);
  });
});

describe('the live tail WebSocket', () => {
  const url = () => `${switchyard.origin.replace(/^http/, 'ws')}/v1/requests/live`;
  const sockets: WebSocket[] = [];
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.terminate();
  });

  function open(headers: Record<string, string> = {}): WebSocket {
    const socket = new WebSocket(url(), { headers });
    // A refused socket reports its end as an error too; each test awaits the outcome it expects.
    socket.on('error', () => undefined);
    sockets.push(socket);
    return socket;
  }

  function closed(socket: WebSocket): Promise<{ code: number; reason: string }> {
    return new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  function firstMessage(socket: WebSocket): Promise<any> {
    return new Promise((resolve, reject) => {
      socket.once('message', (data: Buffer) => resolve(JSON.parse(data.toString('utf8'))));
      socket.once('close', (code) => reject(new Error(`closed with ${code} before a message`)));
    });
  }

  it('is ready for a valid key, scoped to its workspace', async () => {
    const socket = open();
    socket.once('open', () => socket.send(JSON.stringify({ type: 'auth', key: switchyard.apiKey })));
    expect(await firstMessage(socket)).toEqual({ type: 'ready', workspaces: ['default'] });
  });

  it('closes with 4401 on a wrong key, without repeating it', async () => {
    const socket = open();
    const wrong = 'sk-sy-not-a-real-key-0000000000000000';
    socket.once('open', () => socket.send(JSON.stringify({ type: 'auth', key: wrong })));
    const { code, reason } = await closed(socket);
    expect(code).toBe(4401);
    expect(reason).not.toContain(wrong);
  });

  it('closes with 4400 when the first message is not an auth message', async () => {
    const socket = open();
    socket.once('open', () => socket.send('hello'));
    expect((await closed(socket)).code).toBe(4400);
  });

  it('refuses a page of another origin', async () => {
    const socket = open({ origin: 'https://elsewhere.example' });
    const status = await new Promise<number>((resolve) =>
      socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0)),
    );
    expect(status).toBe(403);
  });
});
