import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { loadMigrations, runMigrations, type SqlClient } from '@switchyard/database';
import type { BudgetRule, RateLimitRule } from '@switchyard/shared';

export const STORED_LIMITS_MIGRATIONS_TABLE = 'stored_limits_migrations';

export function storedLimitsMigrations() {
  return loadMigrations(
    path.join(__dirname, 'migrations'),
    'npm run build -w @switchyard/auth copies src/stored-limits/migrations to dist/stored-limits/migrations',
  );
}

/** What a stored rule counts: the whole workspace, one key in it, or one end user (the body's `user`) in it. */
export type StoredRuleScope = 'workspace' | 'key' | 'user';

interface StoredRuleBase {
  id: string;
  organization: string;
  workspace: string;
  scope: StoredRuleScope;
  /** The workspace, key id or user counted. */
  subject: string;
  /** ISO 8601. */
  createdAt: string;
  createdBy: string;
}

export interface StoredRateLimit extends StoredRuleBase {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  tokenKind: RateLimitRule['tokenKind'];
}

export interface StoredBudget extends StoredRuleBase {
  limitUsd: number;
  period: BudgetRule['period'];
  timezone: string;
  alertAtPercent?: number;
}

export type NewStoredRateLimit = Omit<StoredRateLimit, 'id' | 'createdAt'>;
export type NewStoredBudget = Omit<StoredBudget, 'id' | 'createdAt'>;

interface RuleRow {
  id: string;
  organization: string;
  workspace: string;
  scope: StoredRuleScope;
  subject: string;
  created_at: Date | string;
  created_by: string;
}
interface RateLimitRow extends RuleRow {
  requests_per_minute: number | null;
  tokens_per_minute: number | null;
  token_kind: RateLimitRule['tokenKind'];
}
interface BudgetRow extends RuleRow {
  limit_usd: number | string;
  period: BudgetRule['period'];
  timezone: string;
  alert_at_percent: number | string | null;
}

/** The rate limits and budgets set through the admin API (tables of their own, migrations in `migrations/`). */
export class StoredLimitStore {
  private constructor(private readonly client: SqlClient) {}

  /** Creates the tables if needed; the client stays the caller's to close. */
  static async open(client: SqlClient): Promise<StoredLimitStore> {
    await runMigrations(client, storedLimitsMigrations(), { table: STORED_LIMITS_MIGRATIONS_TABLE });
    return new StoredLimitStore(client);
  }

  async createRateLimit(rule: NewStoredRateLimit): Promise<StoredRateLimit> {
    const [row] = await this.client.query<RateLimitRow>(
      `INSERT INTO rate_limit_rules (id, organization, workspace, scope, subject, requests_per_minute, tokens_per_minute, token_kind, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
      [
        newId('rl'),
        rule.organization,
        rule.workspace,
        rule.scope,
        rule.subject,
        rule.requestsPerMinute ?? null,
        rule.tokensPerMinute ?? null,
        rule.tokenKind,
        rule.createdBy,
      ],
    );
    return rateLimitOf(row);
  }

  /** Every stored rate limit, or those of `workspace`, oldest first. */
  async listRateLimits(workspace?: string): Promise<StoredRateLimit[]> {
    const rows = await this.client.query<RateLimitRow>(
      'SELECT * FROM rate_limit_rules WHERE ($1::text IS NULL OR workspace = $1::text) ORDER BY created_at, id',
      [workspace ?? null],
    );
    return rows.map(rateLimitOf);
  }

  async getRateLimit(id: string): Promise<StoredRateLimit | undefined> {
    const [row] = await this.client.query<RateLimitRow>('SELECT * FROM rate_limit_rules WHERE id = $1', [id]);
    return row && rateLimitOf(row);
  }

  async deleteRateLimit(id: string): Promise<boolean> {
    return (await this.client.query('DELETE FROM rate_limit_rules WHERE id = $1 RETURNING id', [id])).length > 0;
  }

  async createBudget(rule: NewStoredBudget): Promise<StoredBudget> {
    const [row] = await this.client.query<BudgetRow>(
      `INSERT INTO budget_rules (id, organization, workspace, scope, subject, limit_usd, period, timezone, alert_at_percent, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
      [
        newId('budget'),
        rule.organization,
        rule.workspace,
        rule.scope,
        rule.subject,
        rule.limitUsd,
        rule.period,
        rule.timezone,
        rule.alertAtPercent ?? null,
        rule.createdBy,
      ],
    );
    return budgetOf(row);
  }

  async listBudgets(workspace?: string): Promise<StoredBudget[]> {
    const rows = await this.client.query<BudgetRow>(
      'SELECT * FROM budget_rules WHERE ($1::text IS NULL OR workspace = $1::text) ORDER BY created_at, id',
      [workspace ?? null],
    );
    return rows.map(budgetOf);
  }

  async getBudget(id: string): Promise<StoredBudget | undefined> {
    const [row] = await this.client.query<BudgetRow>('SELECT * FROM budget_rules WHERE id = $1', [id]);
    return row && budgetOf(row);
  }

  async deleteBudget(id: string): Promise<boolean> {
    return (await this.client.query('DELETE FROM budget_rules WHERE id = $1 RETURNING id', [id])).length > 0;
  }
}

function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

function baseOf(row: RuleRow): StoredRuleBase {
  return {
    id: row.id,
    organization: row.organization,
    workspace: row.workspace,
    scope: row.scope,
    subject: row.subject,
    createdAt: new Date(row.created_at).toISOString(),
    createdBy: row.created_by,
  };
}

function rateLimitOf(row: RateLimitRow): StoredRateLimit {
  return {
    ...baseOf(row),
    ...(row.requests_per_minute === null ? {} : { requestsPerMinute: Number(row.requests_per_minute) }),
    ...(row.tokens_per_minute === null ? {} : { tokensPerMinute: Number(row.tokens_per_minute) }),
    tokenKind: row.token_kind,
  };
}

function budgetOf(row: BudgetRow): StoredBudget {
  return {
    ...baseOf(row),
    limitUsd: Number(row.limit_usd),
    period: row.period,
    timezone: row.timezone,
    ...(row.alert_at_percent === null ? {} : { alertAtPercent: Number(row.alert_at_percent) }),
  };
}
