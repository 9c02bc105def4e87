import { startAdminServer, type RunningAdminServer } from '../admin-api/__fixtures__/admin-server';
import { DATABASE_KINDS, openTestGovernanceDatabase, type TestGovernanceDatabase } from '../storage/__fixtures__/governance-databases';
import type { PromptChange } from './prompt-change-bus';
import { PromptStore } from './prompt-store';

jest.setTimeout(60_000);

/**
 * Prompts through the admin API on each database: versions numbered and
 * never changed (the database refuses it), labels moved atomically with
 * their history, rollback, workspace scoping, RBAC with audited writes and
 * denials, and a 400 naming what is wrong for each bad input.
 */
describe.each(DATABASE_KINDS)('prompts on %s', (kind) => {
  let database: TestGovernanceDatabase;
  let admin: RunningAdminServer;
  let viewerOfA: string;
  let developerOfB: string;
  const changes: PromptChange[] = [];
  const base = '/admin/v1/workspaces/team-a/prompts';

  const asRoot = async (method: string, path: string, body?: unknown) => {
    const answer = await admin.call(method, path, { body });
    if (answer.status >= 300) throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const tokenFor = async (workspace: string, subject: string, role: string) => {
    const member = await asRoot('POST', '/admin/v1/members', { workspace, subject, role });
    return (await asRoot('POST', '/admin/v1/tokens', { member: member.id })).token as string;
  };
  const greeting = (text: string, extra: Record<string, unknown> = {}) => ({
    name: 'greeting',
    type: 'text',
    template: text,
    variables: { who: { type: 'string' } },
    ...extra,
  });

  beforeAll(async () => {
    database = await openTestGovernanceDatabase(kind);
    admin = await startAdminServer(database.store, { client: database.client });
    admin.prompts!.changes.subscribe((change) => changes.push(change));
    await asRoot('POST', '/admin/v1/organizations', { id: 'acme' });
    await asRoot('POST', '/admin/v1/workspaces', { id: 'team-a', organization: 'acme' });
    await asRoot('POST', '/admin/v1/workspaces', { id: 'team-b', organization: 'acme' });
    viewerOfA = await tokenFor('team-a', 'viewer-of-a', 'viewer');
    developerOfB = await tokenFor('team-b', 'developer-of-b', 'developer');
  });

  afterAll(async () => {
    await admin?.close();
    await database?.dispose();
  });

  it('numbers versions, keeps `latest` on the newest, moves labels and rolls them back, with history', async () => {
    const first = await admin.call('POST', base, { body: greeting('Hello {{who}}.', { labels: ['production'], commit_message: 'first' }) });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      object: 'prompt.version',
      workspace: 'team-a',
      name: 'greeting',
      version: 1,
      type: 'text',
      template: 'Hello {{who}}.',
      variables: { who: { type: 'string', required: true } },
      config: {},
      labels: ['latest', 'production'],
      commit_message: 'first',
      created_by: 'admin',
    });
    const second = await asRoot('POST', base, greeting('Hi {{who}}!', { config: { model: 'gpt-4o-mini', parameters: { temperature: 0.2 } } }));
    expect(second).toMatchObject({ version: 2, labels: ['latest'], config: { model: 'gpt-4o-mini', parameters: { temperature: 0.2 } } });

    const moved = await asRoot('PUT', `${base}/greeting/labels/production`, { version: 2 });
    expect(moved).toMatchObject({ object: 'prompt.label', label: 'production', version: 2, previous_version: 1, reason: 'moved' });
    expect(changes).toContainEqual({ workspace: 'team-a', name: 'greeting' });

    const detail = await asRoot('GET', `${base}/greeting`);
    expect(detail).toMatchObject({ object: 'prompt', name: 'greeting', latest_version: 2 });
    expect(detail.labels.map((label: { label: string; version: number }) => [label.label, label.version])).toEqual([
      ['latest', 2],
      ['production', 2],
    ]);
    expect(detail.versions.map((version: { version: number; labels: string[] }) => [version.version, version.labels])).toEqual([
      [1, []],
      [2, ['latest', 'production']],
    ]);

    const rolledBack = await asRoot('POST', `${base}/greeting/rollback`, { label: 'production' });
    expect(rolledBack).toMatchObject({ label: 'production', version: 1, previous_version: 2, reason: 'rollback' });
    expect((await asRoot('GET', `${base}/greeting/versions/1`)).labels).toEqual(['production']);
    const history = await asRoot('GET', `${base}/greeting/labels/production/history`);
    expect(
      history.data.map((move: { previous_version: number | null; version: number; reason: string }) => [
        move.previous_version,
        move.version,
        move.reason,
      ]),
    ).toEqual([
      [null, 1, 'version_created'],
      [1, 2, 'moved'],
      [2, 1, 'rollback'],
    ]);
    // The writes were audited with who moved what from where to where.
    const labelEvents = admin.events.filter((event) => event.action === 'prompts.manage' && event.outcome === 'allowed');
    expect(labelEvents).toHaveLength(4);
    expect(labelEvents[2]).toMatchObject({
      target: { type: 'prompt', id: 'greeting', workspace: 'team-a' },
      before: { label: 'production', version: 1 },
    });
    expect((await asRoot('GET', base)).data).toEqual([expect.objectContaining({ name: 'greeting', latest_version: 2 })]);
  });

  it('never changes a stored version: the database refuses updates and deletes', async () => {
    await asRoot('POST', base, { name: 'fixed', type: 'text', template: 'Same forever.' });
    await expect(database.client.query("UPDATE prompt_versions SET template = '\"changed\"'::jsonb WHERE name = 'fixed'")).rejects.toThrow(
      /immutable/,
    );
    await expect(database.client.query("DELETE FROM prompt_versions WHERE name = 'fixed'")).rejects.toThrow(/immutable/);
    expect((await asRoot('GET', `${base}/fixed/versions/1`)).template).toBe('Same forever.');
  });

  it('takes concurrent writes of one prompt in turns: every version numbered once, every move chained in the history', async () => {
    // On Postgres the client's pool runs the transactions on two connections at once.
    const stores = [new PromptStore(database.client), new PromptStore(database.client)];
    const created = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        stores[index % 2].createVersion({
          workspace: 'team-a',
          name: 'busy',
          type: 'text',
          template: `draft ${index}`,
          variables: {},
          config: {},
          labels: [],
          commitMessage: '',
          createdBy: 'test',
        }),
      ),
    );
    expect(created.map((version) => version.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const targets = [3, 5, 1, 8, 2, 7, 4, 6];
    await Promise.all(targets.map((version, index) => stores[index % 2].moveLabel('team-a', 'busy', 'staging', version, 'test')));
    const moves = await stores[0].labelHistory('team-a', 'busy', 'staging');
    expect(moves).toHaveLength(targets.length);
    // Each move started from where the one before it left the label: none was lost or applied twice.
    expect(moves[0].fromVersion).toBeNull();
    for (let index = 1; index < moves.length; index += 1) expect(moves[index].fromVersion).toBe(moves[index - 1].toVersion);
    expect((await stores[0].getByLabel('team-a', 'busy', 'staging'))?.version).toBe(moves[moves.length - 1].toVersion);
    expect((await stores[0].getByLabel('team-a', 'busy', 'latest'))?.version).toBe(8);
  });

  it('answers 404 for an unknown prompt, version, label or workspace, and another workspace’s prompt', async () => {
    expect(await admin.call('GET', `${base}/nowhere`)).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await admin.call('GET', `${base}/greeting/versions/99`)).toMatchObject({ status: 404, body: { error: { param: 'version' } } });
    expect(await admin.call('PUT', `${base}/greeting/labels/production`, { body: { version: 99 } })).toMatchObject({ status: 404 });
    expect(await admin.call('POST', `${base}/greeting/rollback`, { body: { label: 'canary' } })).toMatchObject({
      status: 404,
      body: { error: { param: 'label' } },
    });
    expect(await admin.call('PUT', `${base}/nowhere/labels/production`, { body: { version: 1 } })).toMatchObject({ status: 404 });
    expect(await admin.call('GET', '/admin/v1/workspaces/no-such-team/prompts')).toMatchObject({
      status: 404,
      body: { error: { param: 'workspace' } },
    });
    // team-b's own view: the prompt of team-a is not there.
    expect(await admin.call('GET', '/admin/v1/workspaces/team-b/prompts/greeting', { token: developerOfB })).toMatchObject({ status: 404 });
    expect((await admin.call('GET', '/admin/v1/workspaces/team-b/prompts', { token: developerOfB })).body.data).toEqual([]);
  });

  it('lets a viewer read but not write, and a member of another workspace neither; denials audited', async () => {
    expect((await admin.call('GET', `${base}/greeting`, { token: viewerOfA })).status).toBe(200);
    const refused = await admin.call('PUT', `${base}/greeting/labels/production`, { body: { version: 2 }, token: viewerOfA });
    expect(refused).toMatchObject({ status: 403 });
    expect(admin.events.at(-1)).toMatchObject({
      action: 'prompts.manage',
      outcome: 'denied',
      target: { type: 'prompt', id: 'greeting', workspace: 'team-a' },
    });
    expect((await admin.call('GET', `${base}/greeting`, { token: developerOfB })).status).toBe(403);
    expect((await admin.call('POST', base, { body: greeting('x {{who}}'), token: developerOfB })).status).toBe(403);
    expect((await asRoot('GET', `${base}/greeting/labels/production/history`)).data).toHaveLength(3);
  });

  it.each([
    ['a template that does not parse, with its position', greeting('Hello {{who}, welcome'), 'template', 'line 1, column 7'],
    ['an undeclared variable, named', greeting('Hello {{who}} from {{place}}'), 'variables', '`place`'],
    ['a chat message without a role', { name: 'c', type: 'chat', template: [{ content: 'x' }] }, 'template[0].role', 'role'],
    ['a bad name', { ...greeting('x'), name: 'has space' }, 'name', 'name'],
    ['a bad label', greeting('Hello {{who}}', { labels: ['Prod!'] }), 'labels[0]', 'labels[0]'],
    ['a reserved parameter', greeting('Hello {{who}}', { config: { parameters: { messages: [] } } }), 'config.parameters.messages', 'messages'],
    ['an unknown field', greeting('Hello {{who}}', { owner: 'me' }), 'owner', 'owner'],
  ])('refuses %s with a 400 and writes nothing', async (_case, body, param, mention) => {
    const before = (await asRoot('GET', base)).data;
    const answer = await admin.call('POST', base, { body });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', param });
    expect(answer.body.error.message).toContain(mention);
    expect((await asRoot('GET', base)).data).toEqual(before);
  });

  it('refuses moving `latest` by hand, a version that is not a number, and a rollback with no earlier version', async () => {
    expect(await admin.call('PUT', `${base}/greeting/labels/latest`, { body: { version: 1 } })).toMatchObject({
      status: 400,
      body: { error: { param: 'label' } },
    });
    expect(await admin.call('PUT', `${base}/greeting/labels/production`, { body: { version: '2' } })).toMatchObject({
      status: 400,
      body: { error: { param: 'version' } },
    });
    expect(await admin.call('GET', `${base}/greeting/versions/two`)).toMatchObject({ status: 400 });
    await asRoot('POST', base, { name: 'solo', type: 'text', template: 'only', labels: ['production'] });
    expect(await admin.call('POST', `${base}/solo/rollback`, { body: {} })).toMatchObject({
      status: 409,
      body: { error: { code: 'nothing_to_roll_back' } },
    });
  });
});
