import { randomBytes } from 'node:crypto';
import { startMockOpenAIUpstream, DEFAULT_FIXTURES, type MockOpenAIUpstream } from '../support/mock-openai-upstream';
import { waitFor } from '../support/wait-for';
import { startSwitchyard, type Mode, type RunningSwitchyard } from './switchyard-harness';

/**
 * Attribution a database cannot hold as sent (a lone surrogate, which
 * `JSON.stringify` writes as `\ud800`, invalid in jsonb; a NUL, which text
 * and jsonb refuse) is made storable where the event is built, so the
 * request is recorded, and so is every request after it. In distributed mode
 * the same values cross protobuf and Kafka into Postgres. A request whose body
 * is refused is still recorded, in the workspace its headers name.
 */

jest.setTimeout(120_000);

interface ApiRecord {
  id: string;
  user: string | null;
  metadata: Record<string, string>;
}

describe.each<Mode>(['embedded', 'distributed'])('unstorable attribution (%s)', (mode) => {
  const workspace = `unstorable-${randomBytes(4).toString('hex')}`;
  let upstream: MockOpenAIUpstream | undefined;
  let switchyard: RunningSwitchyard | undefined;

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    switchyard = await startSwitchyard(
      mode,
      {
        providers: { openai: { kind: 'openai', baseUrl: upstream.baseUrl, models: ['gpt-4.1-nano'] } },
      },
      { workspace },
    );
  });

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
  });

  /** A chat request sent as raw bytes, so the JSON escapes reach the gateway as the client wrote them. */
  async function chat(id: string, metadataHeader: string, userJson: string): Promise<number> {
    upstream!.enqueue({ kind: 'json-fixture', file: DEFAULT_FIXTURES.chat });
    const response = await fetch(`${switchyard!.baseURL}/chat/completions`, {
      method: 'POST',
      headers: switchyard!.headers({
        'content-type': 'application/json',
        'x-request-id': id,
        'x-switchyard-workspace': workspace,
        'x-switchyard-metadata': metadataHeader,
      }),
      body: `{"model":"gpt-4.1-nano","messages":[{"role":"user","content":"hi"}],"user":${userJson}}`,
    });
    await response.arrayBuffer();
    return response.status;
  }

  async function recordOf(id: string): Promise<ApiRecord | undefined> {
    const response = await fetch(`${switchyard!.baseURL}/requests/${encodeURIComponent(id)}`, { headers: switchyard!.headers() });
    return response.status === 200 ? ((await response.json()) as ApiRecord) : undefined;
  }

  /** The record of `id`, once written (in distributed mode it goes through Kafka and the consumer). */
  function waitForRecord(id: string): Promise<ApiRecord | undefined> {
    return waitFor(
      () => recordOf(id),
      (record) => record !== undefined,
      { timeoutMs: 30_000, what: `the record of ${id}` },
    );
  }

  it('records a request whose metadata and user hold a lone surrogate or a NUL, and the normal request after it', async () => {
    const surrogate = `${workspace}-surrogate`;
    const nul = `${workspace}-nul`;
    const normal = `${workspace}-normal`;
    expect(await chat(surrogate, '{"a":"\\ud800"}', '"\\udc00bob"')).toBe(200);
    expect(await chat(nul, '{"a":"x\\u0000y"}', '"al\\u0000ice"')).toBe(200);
    expect(await chat(normal, '{"feature":"search"}', '"carol"')).toBe(200);

    const after = await waitForRecord(normal);
    expect(after).toMatchObject({ id: normal, user: 'carol', metadata: { feature: 'search' } });
    expect(await recordOf(surrogate)).toMatchObject({ user: '\ufffdbob', metadata: { a: '\ufffd' } });
    expect(await recordOf(nul)).toMatchObject({ user: 'alice', metadata: { a: 'xy' } });

    const listed = await fetch(`${switchyard!.baseURL}/requests?workspace=${workspace}`, { headers: switchyard!.headers() });
    const { data } = (await listed.json()) as { data: ApiRecord[] };
    expect(data.map((record) => record.id).sort()).toEqual([normal, nul, surrogate].sort());
  });

  it('records a request whose body is not JSON in the workspace its headers name', async () => {
    const id = `${workspace}-not-json`;
    const response = await fetch(`${switchyard!.baseURL}/chat/completions`, {
      method: 'POST',
      headers: switchyard!.headers({ 'content-type': 'application/json', 'x-request-id': id, 'x-switchyard-workspace': workspace }),
      body: '{"model": "gpt-4.1-nano", "messages": [',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
    expect(await waitForRecord(id)).toMatchObject({ id, status: 'failed', http_status: 400, workspace });
  });
});
