import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ANONYMOUS_PRINCIPAL, type Principal, type Role } from '@switchyard/shared';
import { readAuditRecords, SqlAuditLog } from '../audit/sql-audit-log';
import { openTestDatabase, type TestDatabase } from '../audit/__fixtures__/test-databases';
import { LocalKeyManagementService } from './local-key-management-service';
import { createProviderCredentialsRouter, PROVIDER_CREDENTIAL_ACTIONS, type ProviderCredentialAction } from './provider-credentials-router';
import { SqlSecretStore } from './secret-store';

/**
 * The router over a real socket on a Postgres schema of its own. The admin
 * API's authentication and RBAC are stood in for: a header names the
 * caller, and a small matrix answers the authorization check.
 */

const VALUE = 'sk-ant-api03-router-test-secret-value-0123456789';

function principal(subject: string, role: Role, workspaces: string[]): Principal {
  return {
    ...ANONYMOUS_PRINCIPAL,
    kind: 'jwt',
    subject,
    organization: 'acme',
    workspace: workspaces[0],
    role,
    readableWorkspaces: workspaces,
    actableWorkspaces: workspaces,
  };
}

const PRINCIPALS: Record<string, Principal> = {
  'admin-a': principal('admin-a', 'admin', ['team-a']),
  'viewer-a': principal('viewer-a', 'viewer', ['team-a']),
  'admin-b': principal('admin-b', 'admin', ['team-b']),
};

const ALLOWED: Record<Role, readonly ProviderCredentialAction[]> = {
  owner: Object.values(PROVIDER_CREDENTIAL_ACTIONS),
  admin: Object.values(PROVIDER_CREDENTIAL_ACTIONS),
  developer: [PROVIDER_CREDENTIAL_ACTIONS.read],
  viewer: [],
};

let database: TestDatabase;
let auditLog: SqlAuditLog;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  database = await openTestDatabase('postgres');
  auditLog = await SqlAuditLog.open(database.client);
  const store = await SqlSecretStore.open(database.client, new LocalKeyManagementService(randomBytes(32)), auditLog);
  const app = express();
  app.use((request, response, next) => {
    const caller = request.headers['x-test-principal'];
    if (typeof caller === 'string') response.locals.principal = PRINCIPALS[caller];
    next();
  });
  app.use(
    '/admin/v1/provider-credentials',
    createProviderCredentialsRouter({ store, auditLog, authorize: (caller, action) => ALLOWED[caller.role].includes(action) }),
  );
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/v1/provider-credentials`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  auditLog?.close();
  await database?.dispose();
});

async function call(method: string, path: string, caller: string | undefined, body?: unknown, contentType = 'application/json') {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(caller && { 'x-test-principal': caller }),
      ...(body !== undefined && { 'content-type': contentType }),
      'user-agent': 'router-test',
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  expect(text).not.toContain('router-test-secret-value');
  return { status: response.status, body: JSON.parse(text) };
}

async function lastAuditRecord() {
  const records = [];
  for await (const record of readAuditRecords(database.client)) records.push(record);
  return records[records.length - 1];
}

describe('/admin/v1/provider-credentials', () => {
  it('creates (201, metadata only), lists, shows and deletes, for an admin of the workspace', async () => {
    const created = await call('POST', '/', 'admin-a', { provider: 'anthropic', name: 'main', value: VALUE });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      object: 'provider_credential',
      id: expect.stringMatching(/^cred_/),
      workspace: 'team-a',
      provider: 'anthropic',
      name: 'main',
      createdAt: expect.any(String),
      createdBy: 'admin-a',
      masterKeyId: expect.stringMatching(/^local-/),
    });
    expect(await lastAuditRecord()).toMatchObject({
      action: 'provider_credentials.create',
      outcome: 'success',
      actor: { kind: 'jwt', subject: 'admin-a', organization: 'acme' },
      source: { ip: '127.0.0.1', userAgent: 'router-test' },
      target: { type: 'provider_credential', id: created.body.id },
    });

    const listed = await call('GET', '/', 'admin-a');
    expect(listed).toEqual({ status: 200, body: { object: 'list', data: [created.body] } });
    expect(await call('GET', `/${created.body.id}`, 'admin-a')).toEqual({ status: 200, body: created.body });

    expect(await call('DELETE', `/${created.body.id}`, 'admin-a')).toEqual({
      status: 200,
      body: { id: created.body.id, object: 'provider_credential', deleted: true },
    });
    expect((await call('GET', `/${created.body.id}`, 'admin-a')).status).toBe(404);
  });

  it("never shows or deletes another workspace's credential, and refuses to create in it", async () => {
    const created = await call('POST', '/', 'admin-a', { provider: 'openai', name: 'isolated', value: VALUE });
    expect((await call('GET', '/', 'admin-b')).body.data).toEqual([]);
    expect(await call('GET', `/${created.body.id}`, 'admin-b')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await call('DELETE', `/${created.body.id}`, 'admin-b')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect((await call('GET', `/${created.body.id}`, 'admin-a')).status).toBe(200);

    const intoOther = await call('POST', '/', 'admin-b', { workspace: 'team-a', provider: 'openai', name: 'sneaky', value: VALUE });
    expect(intoOther).toEqual({
      status: 403,
      body: {
        error: { message: 'You may not act for workspace "team-a".', type: 'invalid_request_error', param: 'workspace', code: 'permission_denied' },
      },
    });
    expect(await lastAuditRecord()).toMatchObject({
      action: 'permission.denied',
      outcome: 'denied',
      workspace: 'team-a',
      actor: { subject: 'admin-b' },
    });
  });

  it('answers 403 and writes an audit record when the role lacks the permission; 401 without a principal', async () => {
    const denied = await call('POST', '/', 'viewer-a', { provider: 'openai', name: 'nope', value: VALUE });
    expect(denied).toEqual({
      status: 403,
      body: {
        error: {
          message: 'Your role (viewer) does not allow provider_credentials.create.',
          type: 'invalid_request_error',
          param: null,
          code: 'permission_denied',
        },
      },
    });
    expect(await lastAuditRecord()).toMatchObject({
      action: 'permission.denied',
      outcome: 'denied',
      actor: { subject: 'viewer-a' },
      target: { type: 'permission', id: 'provider_credentials.create' },
      reason: 'role viewer lacks provider_credentials.create',
    });
    expect(JSON.stringify(await lastAuditRecord())).not.toContain('router-test-secret-value');
    expect((await call('GET', '/', 'viewer-a')).status).toBe(403);
    expect(await call('GET', '/', undefined)).toMatchObject({ status: 401, body: { error: { code: 'unauthenticated' } } });
  });

  it.each([
    ['malformed JSON', '{"provider": "openai",', 400, 'invalid_json', null],
    ['a missing value', { provider: 'openai', name: 'x' }, 400, 'invalid_request', 'value'],
    ['an unknown field', { provider: 'openai', name: 'x', value: VALUE, extra: 1 }, 400, 'invalid_request', null],
    ['an injection-like name', { provider: 'openai', name: "x'; DROP TABLE provider_credentials; --", value: VALUE }, 400, 'invalid_request', 'name'],
    ['an oversized value', { provider: 'openai', name: 'big', value: 'v'.repeat(40_000) }, 413, 'body_too_large', null],
  ])('answers %s with a clear error in OpenAI shape, writing nothing', async (_, body, status, code, param) => {
    const before = (await call('GET', '/', 'admin-a')).body.data.length;
    const answer = await call('POST', '/', 'admin-a', body);
    expect(answer.status).toBe(status);
    expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', code, param });
    expect(answer.body.error.message).toEqual(expect.any(String));
    expect((await call('GET', '/', 'admin-a')).body.data.length).toBe(before);
  });

  it('re-wraps data keys on request, for a role allowed to rotate', async () => {
    expect(await call('POST', '/rewrap', 'admin-a')).toMatchObject({
      status: 200,
      body: { rewrapped: 0, masterKeyId: expect.stringMatching(/^local-/) },
    });
    expect((await call('POST', '/rewrap', 'viewer-a')).status).toBe(403);
  });
});
