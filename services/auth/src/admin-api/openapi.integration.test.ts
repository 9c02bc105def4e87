import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runMigrations as runRecordsMigrations } from '@switchyard/observability';
import { openTestGovernanceDatabase, type TestGovernanceDatabase } from '../storage/__fixtures__/governance-databases';
import { startAdminServer, type RunningAdminServer } from './__fixtures__/admin-server';
import { OPENAPI_DOCUMENT_PATH } from './create-admin-router';

jest.setTimeout(60_000);

interface OperationObject {
  operationId: string;
  security?: unknown[];
  requestBody?: unknown;
  parameters?: { name: string; in: string }[];
  responses: Record<string, { content?: { 'application/json'?: { schema: Schema } } }>;
}
interface Schema {
  $ref?: string;
  allOf?: Schema[];
  required?: string[];
  properties?: Record<string, Schema>;
  const?: unknown;
  type?: string | string[];
}

const document = JSON.parse(readFileSync(OPENAPI_DOCUMENT_PATH, 'utf8')) as {
  openapi: string;
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, Schema> };
};

/** Validates the document with @seriousme/openapi-schema-validator in a plain Node process (the package is an ES module). */
function validateDocument(file: string): Promise<{ valid: boolean; version: string; errors?: unknown }> {
  const script = `
    import { Validator } from '@seriousme/openapi-schema-validator';
    const validator = new Validator();
    const result = await validator.validate(process.argv[1]);
    process.stdout.write(JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors }));`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script, file],
      { cwd: path.resolve(__dirname, '../../../..') },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout));
      },
    );
  });
}

/** The fields a schema requires, followed through `$ref` and `allOf`; checks `const` values too. */
function missingFields(schema: Schema, value: unknown, at = ''): string[] {
  if (schema.$ref !== undefined) return missingFields(document.components.schemas[schema.$ref.replace('#/components/schemas/', '')], value, at);
  const problems = (schema.allOf ?? []).flatMap((part) => missingFields(part, value, at));
  if (schema.const !== undefined && value !== schema.const)
    problems.push(`${at || '.'} is ${JSON.stringify(value)}, not ${JSON.stringify(schema.const)}`);
  if (typeof value !== 'object' || value === null) return problems;
  for (const field of schema.required ?? []) if (!(field in value)) problems.push(`${at}.${field} missing`);
  for (const [field, property] of Object.entries(schema.properties ?? {})) {
    const child = (value as Record<string, unknown>)[field];
    if (child !== undefined && child !== null) problems.push(...missingFields(property, child, `${at}.${field}`));
  }
  if (Array.isArray(value) && (schema as { items?: Schema }).items)
    value.forEach((item, index) => problems.push(...missingFields((schema as { items: Schema }).items, item, `${at}[${index}]`)));
  return problems;
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await validateDocument(OPENAPI_DOCUMENT_PATH);
    expect(result).toEqual({ valid: true, version: '3.1', errors: undefined });
  });

  it('is refused by the validator when broken, so the check above can fail', async () => {
    const broken = path.join(__dirname, '__fixtures__', 'broken-openapi.json');
    const result = await validateDocument(broken);
    expect(result.valid).toBe(false);
  });
});

describe('every documented admin operation against a running server', () => {
  let database: TestGovernanceDatabase;
  let admin: RunningAdminServer;

  beforeAll(async () => {
    database = await openTestGovernanceDatabase('postgres');
    // The records tables beside the governance tables, as in one process: experiment results read them.
    await runRecordsMigrations(database.client);
    admin = await startAdminServer(database.store, { client: database.client });
  });

  afterAll(async () => {
    await admin?.close();
    await database?.dispose();
  });

  const body = async (method: string, route: string, payload?: unknown) => (await admin.call(method, route, { body: payload })).body;
  /** A new experiment each time: one running experiment per target, names unique in the workspace. */
  let experiments = 0;
  const experimentBody = () => {
    experiments += 1;
    return {
      name: `documented-${experiments}`,
      target: { model: `model-${experiments}` },
      arms: [
        { name: 'a', model: `model-${experiments}` },
        { name: 'b', model: 'other-model', weight: 2 },
      ],
      assignment: 'sticky_user',
      metric: { kind: 'score', score_name: 'thumbs' },
      stopping: { confidence: 0.9, min_samples: 10, effect_size: 0.5 },
    };
  };

  /** A request that succeeds, for each operation, creating what it needs first. */
  const successful: Record<string, () => Promise<{ path: string; body?: unknown }>> = {
    createOrganization: async () => ({ path: '/admin/v1/organizations', body: { id: 'acme', display_name: 'Acme' } }),
    listOrganizations: async () => ({ path: '/admin/v1/organizations' }),
    getOrganization: async () => ({ path: '/admin/v1/organizations/acme' }),
    createWorkspace: async () => ({ path: '/admin/v1/workspaces', body: { id: 'team-a', organization: 'acme' } }),
    listWorkspaces: async () => ({ path: '/admin/v1/workspaces?organization=acme' }),
    getWorkspace: async () => ({ path: '/admin/v1/workspaces/team-a' }),
    addMember: async () => ({ path: '/admin/v1/members', body: { workspace: 'team-a', subject: 'alice@example.com', role: 'developer' } }),
    listMembers: async () => ({ path: '/admin/v1/members?organization=acme' }),
    removeMember: async () => ({
      path: `/admin/v1/members/${(await body('POST', '/admin/v1/members', { workspace: 'team-a', subject: 'bob', role: 'viewer' })).id}`,
    }),
    createKey: async () => ({
      path: '/admin/v1/keys',
      body: { workspace: 'team-a', name: 'documented', scopes: { models: ['gpt-4o*'] }, expires_at: '2099-01-01T00:00:00Z' },
    }),
    listKeys: async () => ({ path: '/admin/v1/keys?workspace=team-a' }),
    getKey: async () => ({ path: `/admin/v1/keys/${(await body('POST', '/admin/v1/keys', { workspace: 'team-a', name: 'get' })).id}` }),
    revokeKey: async () => ({ path: `/admin/v1/keys/${(await body('POST', '/admin/v1/keys', { workspace: 'team-a', name: 'revoke' })).id}/revoke` }),
    rotateKey: async () => ({
      path: `/admin/v1/keys/${(await body('POST', '/admin/v1/keys', { workspace: 'team-a', name: 'rotate' })).id}/rotate`,
      body: { overlap_seconds: 60 },
    }),
    issueToken: async () => ({
      path: '/admin/v1/tokens',
      body: { member: (await body('POST', '/admin/v1/members', { workspace: 'team-a', subject: 'carol', role: 'viewer' })).id },
    }),
    createRateLimit: async () => ({ path: '/admin/v1/rate-limits', body: { workspace: 'team-a', requests_per_minute: 600, token_kind: 'total' } }),
    listRateLimits: async () => ({ path: '/admin/v1/rate-limits?workspace=team-a' }),
    getRateLimit: async () => ({
      path: `/admin/v1/rate-limits/${(await body('POST', '/admin/v1/rate-limits', { workspace: 'team-a', user: 'end-user-1', tokens_per_minute: 1000 })).id}`,
    }),
    deleteRateLimit: async () => ({
      path: `/admin/v1/rate-limits/${(await body('POST', '/admin/v1/rate-limits', { workspace: 'team-a', requests_per_minute: 5 })).id}`,
    }),
    createBudget: async () => ({
      path: '/admin/v1/budgets',
      body: { workspace: 'team-a', limit_usd: 25, period: 'month', timezone: 'Europe/Paris', alert_at_percent: 80 },
    }),
    listBudgets: async () => ({ path: '/admin/v1/budgets?workspace=team-a' }),
    getBudget: async () => ({
      path: `/admin/v1/budgets/${(await body('POST', '/admin/v1/budgets', { workspace: 'team-a', limit_usd: 1, period: 'day' })).id}`,
    }),
    deleteBudget: async () => ({
      path: `/admin/v1/budgets/${(await body('POST', '/admin/v1/budgets', { workspace: 'team-a', limit_usd: 2, period: 'week' })).id}`,
    }),
    exportAudit: async () => ({ path: '/admin/v1/audit?from=2020-01-01T00:00:00Z' }),
    createExperiment: async () => ({ path: '/admin/v1/workspaces/team-a/experiments', body: experimentBody() }),
    listExperiments: async () => ({ path: '/admin/v1/workspaces/team-a/experiments' }),
    getExperiment: async () => ({
      path: `/admin/v1/workspaces/team-a/experiments/${(await body('POST', '/admin/v1/workspaces/team-a/experiments', experimentBody())).id}`,
    }),
    getExperimentResults: async () => ({
      path: `/admin/v1/workspaces/team-a/experiments/${(await body('POST', '/admin/v1/workspaces/team-a/experiments', experimentBody())).id}/results`,
    }),
    stopExperiment: async () => ({
      path: `/admin/v1/workspaces/team-a/experiments/${(await body('POST', '/admin/v1/workspaces/team-a/experiments', experimentBody())).id}/stop`,
      body: { winner: 'b' },
    }),
    getOpenApiDocument: async () => ({ path: '/openapi.json' }),
  };

  // In document order: organizations before workspaces before members and keys.
  const operations = Object.entries(document.paths).flatMap(([route, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ route, method: method.toUpperCase(), operation })),
  );

  it('documents exactly the operations exercised here', () => {
    expect(operations.map(({ operation }) => operation.operationId).sort()).toEqual(Object.keys(successful).sort());
  });

  it.each(operations.map((entry) => [`${entry.method} ${entry.route}`, entry] as const))(
    '%s answers as documented',
    async (_name, { method, operation }) => {
      const success = Object.keys(operation.responses).find((status) => status.startsWith('2'))!;
      const { path: route, body: payload } = await successful[operation.operationId]();
      const answer = await admin.call(method, route, { body: payload });
      expect([answer.status, answer.body?.error]).toEqual([Number(success), undefined]);
      const schema = operation.responses[success].content?.['application/json']?.schema;
      if (schema !== undefined) expect(missingFields(schema, answer.body)).toEqual([]);

      const secured = operation.security === undefined || operation.security.length > 0;
      if (secured) {
        expect(Object.keys(operation.responses)).toContain('401');
        const unauthenticated = await admin.call(method, route, { body: payload, token: null });
        expect(unauthenticated.status).toBe(401);
        expect(missingFields(operation.responses['401'].content!['application/json']!.schema, unauthenticated.body)).toEqual([]);
      }
      if (operation.requestBody !== undefined) {
        expect(Object.keys(operation.responses)).toContain('400');
        const invalid = await admin.call(method, route, { body: { ...(payload as object), unexpected_field: true } });
        expect([invalid.status, invalid.body.error.param]).toEqual([400, 'unexpected_field']);
      }
      if ('404' in operation.responses && route.match(/\/(organizations|workspaces|members|keys|rate-limits|budgets)\/[^/?]+/)) {
        const missing = route.replace(/\/(organizations|workspaces|members|keys|rate-limits|budgets)\/[^/?]+/, '/$1/does-not-exist');
        const notFound = await admin.call(method, missing, { body: payload });
        expect(notFound.status).toBe(404);
      }
    },
  );
});
