import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { startMockOpenAIUpstream, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { waitFor } from '../support/wait-for';
import { startSwitchyard, type Mode, type RunningSwitchyard } from './switchyard-harness';

/**
 * The key decides the workspace, end to end, with keys made through the
 * admin API of the running gateway: two workspaces whose clients
 * send the same `x-request-id` each read back only their own record, through
 * the embedded database and through the observability service over gRPC;
 * usage counts by key; an end user's data is deleted in the caller's
 * workspace only.
 */

describe.each<Mode>(['embedded', 'distributed'])('workspace scoping (%s mode)', (mode) => {
  const run = randomBytes(4).toString('hex');
  const teamA = `scope-a-${run}`;
  const teamB = `scope-b-${run}`;
  /** Real keys, made through the admin API of the running gateway: two workspaces' developers and A's admin. */
  const keys = { a: '', b: '', adminA: '' };
  const keyIds = { a: '', b: '' };
  const sharedId = `shared-${run}`;
  let upstream: MockOpenAIUpstream;
  let switchyard: RunningSwitchyard;
  let root: string;

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    switchyard = await startSwitchyard(mode, { providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['*'] } } });
    root = switchyard.origin;
    const admin = async (path: string, body: unknown): Promise<{ id: string; key: string }> => {
      const response = await fetch(`${root}/admin/v1/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${switchyard.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(201);
      return (await response.json()) as { id: string; key: string };
    };
    for (const workspace of [teamA, teamB]) await admin('workspaces', { id: workspace, organization: 'default' });
    const [a, b, adminA] = [
      await admin('keys', { workspace: teamA, name: 'a' }),
      await admin('keys', { workspace: teamB, name: 'b' }),
      await admin('keys', { workspace: teamA, name: 'admin-a', role: 'admin' }),
    ];
    Object.assign(keys, { a: a.key, b: b.key, adminA: adminA.key });
    Object.assign(keyIds, { a: a.id, b: b.id });
    for (const key of [keys.a, keys.b]) {
      const client = new OpenAI({ baseURL: switchyard.baseURL, apiKey: key, maxRetries: 0 });
      await client.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], user: 'carol' },
        { headers: { 'x-request-id': sharedId } },
      );
    }
  }, 120_000);

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
  });

  async function get(path: string, key: string): Promise<{ status: number; body: any }> {
    const response = await fetch(`${root}${path}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: response.status, body: await response.json() };
  }

  /** The record once written (records appear shortly after their response). */
  function recorded(key: string) {
    return waitFor(
      () => get(`/v1/requests/${sharedId}`, key),
      ({ status }) => status === 200,
      { timeoutMs: 30_000, what: `the record of ${sharedId}`, intervalMs: 100 },
    );
  }

  it('shows each workspace its own record under the same x-request-id, with the key that sent it', async () => {
    const [a, b] = [await recorded(keys.a), await recorded(keys.b)];
    expect(a.body).toMatchObject({ id: sharedId, workspace: teamA, key_id: keyIds.a, user: 'carol' });
    expect(b.body).toMatchObject({ id: sharedId, workspace: teamB, key_id: keyIds.b, user: 'carol' });
  });

  it("lists and counts only the caller's workspace, grouped by key, and refuses another workspace", async () => {
    await recorded(keys.a);
    const list = await get('/v1/requests', keys.a);
    expect(list.status).toBe(200);
    expect(list.body.data.length).toBeGreaterThan(0);
    expect(new Set(list.body.data.map((record: { workspace: string }) => record.workspace))).toEqual(new Set([teamA]));
    const usage = await get('/v1/usage?group_by=key', keys.a);
    expect(usage.status).toBe(200);
    expect(usage.body.data.map((row: { group: string; requests: number }) => [row.group, row.requests])).toEqual([[keyIds.a, 1]]);
    expect((await get(`/v1/usage?workspace=${teamB}`, keys.a)).body).toMatchObject({ error: { code: 'permission_denied', param: 'workspace' } });
    expect((await fetch(`${root}/v1/requests/${sharedId}`)).status).toBe(401);
  });

  it("deletes an end user's data in the admin's workspace only", async () => {
    await recorded(keys.a);
    await recorded(keys.b);
    const response = await fetch(`${root}/v1/users/carol/data`, { method: 'DELETE', headers: { authorization: `Bearer ${keys.adminA}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ workspaces: [teamA], deleted: { requests: 1 } });
    expect((await get(`/v1/requests/${sharedId}`, keys.a)).status).toBe(404);
    expect((await get(`/v1/requests/${sharedId}`, keys.b)).body).toMatchObject({ workspace: teamB });
  });
});
