import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { ApiKeyVerifier } from '../keys/api-key-verifier';
import { DATABASE_KINDS, openTestGovernanceDatabase, type TestGovernanceDatabase } from '../storage/__fixtures__/governance-databases';
import { issueMemberToken } from '../tokens/jwt-verifier';
import { startAdminServer, type RunningAdminServer } from './__fixtures__/admin-server';

jest.setTimeout(60_000);

/** An OIDC issuer of the test's own: its JWKS served over HTTP on loopback. */
async function startJwksServer(): Promise<{ issuer: string; privateKey: CryptoKey; close(): Promise<void> }> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const server: Server = createServer((request, response) => {
    if (request.url === '/.well-known/jwks.json') {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: [jwk] }));
    } else {
      response.statusCode = 404;
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    issuer: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    privateKey,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const OIDC_AUDIENCE = 'switchyard-test';

describe.each(DATABASE_KINDS)('the admin API on %s', (kind) => {
  let database: TestGovernanceDatabase;
  let admin: RunningAdminServer;
  let oidc: Awaited<ReturnType<typeof startJwksServer>>;

  beforeAll(async () => {
    database = await openTestGovernanceDatabase(kind);
    oidc = await startJwksServer();
    admin = await startAdminServer(database.store, { oidc: { issuer: oidc.issuer, audience: OIDC_AUDIENCE } });
    expect((await admin.call('POST', '/admin/v1/organizations', { body: { id: 'acme', display_name: 'Acme Inc' } })).status).toBe(201);
    expect((await admin.call('POST', '/admin/v1/organizations', { body: { id: 'globex' } })).status).toBe(201);
    for (const [id, organization] of [
      ['team-a', 'acme'],
      ['team-b', 'acme'],
      ['team-x', 'globex'],
    ]) {
      expect((await admin.call('POST', '/admin/v1/workspaces', { body: { id, organization } })).status).toBe(201);
    }
  });

  afterAll(async () => {
    await admin?.close();
    await oidc?.close();
    await database?.dispose();
  });

  /** A member with a Switchyard JWT. */
  async function memberToken(subject: string, role: string, place: { workspace?: string; organization?: string }): Promise<string> {
    const added = await admin.call('POST', '/admin/v1/members', { body: { subject, role, ...place } });
    expect(added.status).toBe(201);
    const issued = await admin.call('POST', '/admin/v1/tokens', { body: { member: added.body.id } });
    expect(issued.status).toBe(201);
    return issued.body.token;
  }

  describe('keys', () => {
    it('creates a key, shown once, that verifies to its workspace; lists never show it', async () => {
      const created = await admin.call('POST', '/admin/v1/keys', {
        body: { workspace: 'team-a', name: 'ci pipeline', scopes: { models: ['openai/*'] } },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        object: 'api_key',
        workspace: 'team-a',
        organization: 'acme',
        name: 'ci pipeline',
        role: 'developer',
        status: 'active',
      });
      expect(created.body.id).toMatch(/^key_/);
      expect(created.body.key).toMatch(/^sk-sy-[A-Za-z0-9_-]{43}$/);
      expect(created.body.prefix).toBe(created.body.key.slice(0, 10) + '…');

      const verifier = new ApiKeyVerifier({ store: database.store, secret: admin.keyHashSecret, invalidations: admin.invalidations });
      try {
        await expect(verifier.verify(created.body.key)).resolves.toMatchObject({
          keyId: created.body.id,
          workspace: 'team-a',
          scopes: { models: ['openai/*'] },
        });
        const listed = await admin.call('GET', '/admin/v1/keys?workspace=team-a');
        const one = await admin.call('GET', `/admin/v1/keys/${created.body.id}`);
        expect(listed.status).toBe(200);
        expect(listed.body.data.map((key: { id: string }) => key.id)).toContain(created.body.id);
        for (const text of [JSON.stringify(listed.body), JSON.stringify(one.body)]) {
          expect(text).not.toContain(created.body.key.slice(10));
          expect(text).not.toContain('hmac');
        }

        const revoked = await admin.call('POST', `/admin/v1/keys/${created.body.id}/revoke`);
        expect(revoked).toMatchObject({ status: 200, body: { status: 'revoked' } });
        await expect(verifier.verify(created.body.key)).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
      } finally {
        verifier.close();
      }
    });

    it('rotates a key: a new key, the old one working until the overlap ends', async () => {
      const created = await admin.call('POST', '/admin/v1/keys', { body: { workspace: 'team-a', name: 'rotating' } });
      const rotated = await admin.call('POST', `/admin/v1/keys/${created.body.id}/rotate`, { body: { overlap_seconds: 600 } });
      expect(rotated.status).toBe(201);
      expect(rotated.body.key).toMatch(/^sk-sy-/);
      expect(rotated.body.key).not.toBe(created.body.key);
      expect(rotated.body.rotated_from).toMatchObject({ id: created.body.id, replaced_by: rotated.body.id, status: 'active' });
      const overlapEnd = Date.parse(rotated.body.rotated_from.rotation_overlap_ends_at);
      expect(overlapEnd).toBeGreaterThan(Date.now() + 500_000);
      expect(overlapEnd).toBeLessThanOrEqual(Date.now() + 600_000);
      expect((await admin.call('POST', `/admin/v1/keys/${created.body.id}/rotate`)).body.error.code).toBe('key_already_rotated');
    });

    it('refuses bad input with a 400 naming the field, and writes nothing', async () => {
      const before = (await admin.call('GET', '/admin/v1/keys?workspace=team-b')).body.data.length;
      const cases: [unknown, string | null][] = [
        [{ workspace: 'team-b' }, 'name'],
        [{ workspace: 'team-b', name: '<script>alert(1)</script>' }, 'name'],
        [{ workspace: 'team-b', name: "x'; DROP TABLE api_keys; --" }, 'name'],
        [{ workspace: 'team-b', name: 'a'.repeat(101) }, 'name'],
        [{ workspace: 'Team B', name: 'n' }, 'workspace'],
        [{ workspace: 'team-b', name: 'n', role: 'superuser' }, 'role'],
        [{ workspace: 'team-b', name: 'n', expires_at: '2001-01-01T00:00:00Z' }, 'expires_at'],
        [{ workspace: 'team-b', name: 'n', expires_at: 'tomorrow' }, 'expires_at'],
        [{ workspace: 'team-b', name: 'n', scopes: { models: 'all' } }, 'scopes.models'],
        [{ workspace: 'team-b', name: 'n', owner: 'me' }, 'owner'],
        [['team-b'], null],
      ];
      for (const [body, param] of cases) {
        const answer = await admin.call('POST', '/admin/v1/keys', { body });
        expect([answer.status, answer.body.error.param, answer.body.error.type]).toEqual([400, param, 'invalid_request_error']);
      }
      const malformed = await admin.call('POST', '/admin/v1/keys', { rawBody: '{"workspace": "team-b", "name": ' });
      expect([malformed.status, malformed.body.error.code]).toEqual([400, 'invalid_json']);
      const oversized = await admin.call('POST', '/admin/v1/keys', {
        body: { workspace: 'team-b', name: 'n', scopes: { models: ['x'.repeat(70_000)] } },
      });
      expect(oversized.status).toBe(413);
      const badWorkspace = await admin.call('POST', '/admin/v1/workspaces', { body: { id: 'w; DROP TABLE workspaces', organization: 'acme' } });
      expect([badWorkspace.status, badWorkspace.body.error.param]).toEqual([400, 'id']);
      expect((await admin.call('GET', '/admin/v1/keys?workspace=team-b')).body.data.length).toBe(before);
      expect((await admin.call('GET', '/admin/v1/workspaces')).body.data.map((workspace: { id: string }) => workspace.id)).toEqual([
        'team-a',
        'team-b',
        'team-x',
      ]);
    });

    it('keeps a workspace admin of one workspace away from another’s keys', async () => {
      const keyOfB = (await admin.call('POST', '/admin/v1/keys', { body: { workspace: 'team-b', name: 'b-key' } })).body;
      const adminOfA = await memberToken('admin-of-a', 'admin', { workspace: 'team-a' });
      const attempts = [
        await admin.call('GET', '/admin/v1/keys?workspace=team-b', { token: adminOfA }),
        await admin.call('GET', `/admin/v1/keys/${keyOfB.id}`, { token: adminOfA }),
        await admin.call('POST', `/admin/v1/keys/${keyOfB.id}/revoke`, { token: adminOfA }),
        await admin.call('POST', `/admin/v1/keys/${keyOfB.id}/rotate`, { token: adminOfA }),
        await admin.call('POST', '/admin/v1/keys', { token: adminOfA, body: { workspace: 'team-b', name: 'sneaky' } }),
        await admin.call('POST', '/admin/v1/members', { token: adminOfA, body: { workspace: 'team-b', subject: 'friend', role: 'viewer' } }),
      ];
      for (const attempt of attempts) {
        expect([attempt.status, attempt.body.error.code, attempt.body.error.type]).toEqual([403, 'permission_denied', 'invalid_request_error']);
      }
      expect((await admin.call('GET', `/admin/v1/keys/${keyOfB.id}`)).body).toMatchObject({ status: 'active', replaced_by: null });
      expect((await admin.call('GET', '/admin/v1/keys?workspace=team-b')).body.data.map((key: { name: string }) => key.name)).not.toContain('sneaky');
      // An organization admin of another organization fares no better.
      const globexAdmin = await memberToken('globex-admin', 'admin', { organization: 'globex' });
      expect((await admin.call('POST', `/admin/v1/keys/${keyOfB.id}/revoke`, { token: globexAdmin })).status).toBe(403);
      expect(
        (await admin.call('GET', '/admin/v1/workspaces', { token: globexAdmin })).body.data.map((workspace: { id: string }) => workspace.id),
      ).toEqual(['team-x']);
      // Each refusal was reported.
      const denials = admin.events.filter((event) => event.outcome === 'denied' && event.actor.subject === 'admin-of-a');
      expect(denials.map((event) => event.action)).toEqual(['keys.read', 'keys.read', 'keys.revoke', 'keys.rotate', 'keys.create', 'members.manage']);
      expect(denials[0].origin).toMatchObject({ ip: expect.stringContaining('127.0.0.1'), method: 'GET', path: '/admin/v1/keys' });
    });

    it('never grants a role above the granter’s own', async () => {
      const developer = await memberToken('dev-of-a', 'developer', { workspace: 'team-a' });
      const adminKey = await admin.call('POST', '/admin/v1/keys', { token: developer, body: { workspace: 'team-a', name: 'n', role: 'admin' } });
      expect([adminKey.status, adminKey.body.error.code]).toEqual([403, 'permission_denied']);
      const workspaceAdmin = await memberToken('admin2-of-a', 'admin', { workspace: 'team-a' });
      const owner = await admin.call('POST', '/admin/v1/members', {
        token: workspaceAdmin,
        body: { workspace: 'team-a', subject: 'new-owner', role: 'owner' },
      });
      expect(owner.status).toBe(403);
    });
  });

  describe('authentication', () => {
    const sign = (claims: Record<string, unknown>, key: CryptoKey | Uint8Array, alg = 'RS256') =>
      new SignJWT(claims).setProtectedHeader({ alg, kid: 'test-key' }).setSubject('oidc-user').setIssuedAt().setExpirationTime('5m');

    beforeAll(async () => {
      expect((await admin.call('POST', '/admin/v1/members', { body: { subject: 'oidc-user', role: 'viewer', workspace: 'team-a' } })).status).toBe(
        201,
      );
    });

    it('accepts the bootstrap token, a Switchyard JWT and an OIDC JWT', async () => {
      const oidcToken = await sign({}, oidc.privateKey).setIssuer(oidc.issuer).setAudience(OIDC_AUDIENCE).sign(oidc.privateKey);
      const asOidc = await admin.call('GET', '/admin/v1/keys?workspace=team-a', { token: oidcToken });
      expect(asOidc.status).toBe(200);
      expect((await admin.call('GET', '/admin/v1/keys?workspace=team-b', { token: oidcToken })).status).toBe(403);
      const switchyardToken = await memberToken('reader', 'viewer', { workspace: 'team-a' });
      expect((await admin.call('GET', '/admin/v1/workspaces/team-a', { token: switchyardToken })).status).toBe(200);
    });

    it('refuses bad credentials with 401 in OpenAI’s error shape', async () => {
      const other = await generateKeyPair('RS256');
      const now = Math.floor(Date.now() / 1000);
      const unsigned = (payload: object) =>
        `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;
      const cases: [string, string | null, string][] = [
        ['no credential', null, 'invalid_api_key'],
        ['a wrong admin token', 'wrong-token', 'invalid_api_key'],
        ['an API key', 'sk-sy-' + 'a'.repeat(43), 'invalid_api_key'],
        ['alg: none', unsigned({ iss: oidc.issuer, aud: OIDC_AUDIENCE, sub: 'oidc-user', exp: now + 300 }), 'invalid_token'],
        [
          'a wrong signature',
          await sign({}, other.privateKey).setIssuer(oidc.issuer).setAudience(OIDC_AUDIENCE).sign(other.privateKey),
          'invalid_token',
        ],
        [
          'an expired token',
          await new SignJWT({})
            .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
            .setSubject('oidc-user')
            .setIssuer(oidc.issuer)
            .setAudience(OIDC_AUDIENCE)
            .setIssuedAt(now - 600)
            .setExpirationTime(now - 300)
            .sign(oidc.privateKey),
          'invalid_token',
        ],
        [
          'another audience',
          await sign({}, oidc.privateKey).setIssuer(oidc.issuer).setAudience('someone-else').sign(oidc.privateKey),
          'invalid_token',
        ],
        [
          'another issuer',
          await sign({}, oidc.privateKey).setIssuer('https://evil.example').setAudience(OIDC_AUDIENCE).sign(oidc.privateKey),
          'invalid_token',
        ],
        [
          'a Switchyard-issuer token signed with the OIDC key',
          await sign({ mid: 'mem_x' }, oidc.privateKey).setIssuer('switchyard').setAudience('switchyard-admin').sign(oidc.privateKey),
          'invalid_token',
        ],
        ['garbage in JWT shape', 'aaa.bbb.ccc', 'invalid_token'],
      ];
      for (const [name, token, code] of cases) {
        const answer = await admin.call('GET', '/admin/v1/workspaces', { token });
        expect([name, answer.status, answer.body.error.code, answer.body.error.type]).toEqual([name, 401, code, 'invalid_request_error']);
        expect(Object.keys(answer.body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
        if (token !== null) expect(answer.body.error.message).not.toContain(token);
      }
    });

    it('stops a Switchyard JWT when its membership is removed', async () => {
      const added = await admin.call('POST', '/admin/v1/members', { body: { subject: 'leaver', role: 'viewer', workspace: 'team-a' } });
      const token = (await admin.call('POST', '/admin/v1/tokens', { body: { member: added.body.id } })).body.token;
      expect((await admin.call('GET', '/admin/v1/workspaces/team-a', { token })).status).toBe(200);
      expect((await admin.call('DELETE', `/admin/v1/members/${added.body.id}`)).status).toBe(200);
      expect((await admin.call('GET', '/admin/v1/workspaces/team-a', { token })).body.error.code).toBe('invalid_token');
      const expired = await issueMemberToken(admin.jwt, (await database.store.listMembers({ subject: 'oidc-user' }))[0], 60, Date.now() - 3_600_000);
      expect((await admin.call('GET', '/admin/v1/workspaces/team-a', { token: expired.token })).body.error.code).toBe('invalid_token');
    });

    it('answers 403 for a valid OIDC token whose subject holds no role', async () => {
      const stranger = await new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .setSubject('stranger')
        .setIssuer(oidc.issuer)
        .setAudience(OIDC_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(oidc.privateKey);
      expect((await admin.call('GET', '/admin/v1/workspaces', { token: stranger })).body.error.code).toBe('permission_denied');
    });
  });
});
