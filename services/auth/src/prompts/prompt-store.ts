import type { SqlClient, SqlExecutor } from '@switchyard/database';
import type { PromptVersionConfig } from '@switchyard/shared';
import { conflict, isForeignKeyViolation, notFound } from '../storage/governance-errors';
import type { PromptTemplate, PromptType } from './prompt-template';
import type { VariableSpecs } from './prompt-variables';

/** The label every new version takes; moved by nothing else. */
export const LATEST_LABEL = 'latest';

export interface StoredPromptVersion {
  workspace: string;
  name: string;
  version: number;
  type: PromptType;
  template: PromptTemplate;
  variables: VariableSpecs;
  config: PromptVersionConfig;
  commitMessage: string;
  createdBy: string;
  /** ISO 8601. */
  createdAt: string;
  /** The labels pointing at this version when it was read. */
  labels: string[];
}

export interface NewPromptVersion {
  workspace: string;
  name: string;
  type: PromptType;
  template: PromptTemplate;
  variables: VariableSpecs;
  config: PromptVersionConfig;
  /** Labels to put on the new version besides `latest`. */
  labels: readonly string[];
  commitMessage: string;
  createdBy: string;
}

export interface PromptLabel {
  label: string;
  version: number;
  movedBy: string;
  movedAt: string;
}

export interface LabelMove {
  label: string;
  fromVersion: number | null;
  toVersion: number;
  reason: 'version_created' | 'moved' | 'rollback';
  movedBy: string;
  movedAt: string;
}

export interface PromptSummary {
  workspace: string;
  name: string;
  latestVersion: number;
  labels: PromptLabel[];
  createdBy: string;
  createdAt: string;
}

export interface PromptDetail extends PromptSummary {
  versions: Array<Omit<StoredPromptVersion, 'template' | 'variables' | 'config'>>;
}

interface VersionRow {
  workspace_id: string;
  name: string;
  version: number;
  type: PromptType;
  /** JSON text (`::text`). */
  template: string;
  variables: string;
  config: string;
  commit_message: string;
  created_by: string;
  created_at: Date | string;
  labels?: string[] | null;
}

interface LabelRow {
  name: string;
  label: string;
  version: number;
  moved_by: string;
  moved_at: Date | string;
}

/**
 * Prompts in the governance database (migration 0002): versions are written
 * once (a trigger refuses any change), labels move inside a transaction that
 * holds the prompt's row locked, so concurrent writers of one prompt take
 * turns and every move lands in the history exactly once.
 */
export class PromptStore {
  constructor(private readonly client: SqlClient) {}

  /** Writes the next version, moves `latest` (and the given labels) to it. */
  async createVersion(input: NewPromptVersion): Promise<StoredPromptVersion> {
    try {
      return await this.client.transaction(async (transaction) => {
        await transaction.query(
          'INSERT INTO prompts (workspace_id, name, created_by) VALUES ($1, $2, $3) ON CONFLICT (workspace_id, name) DO NOTHING',
          [input.workspace, input.name, input.createdBy],
        );
        await lockPrompt(transaction, input.workspace, input.name);
        const [{ next }] = await transaction.query<{ next: number }>(
          'SELECT COALESCE(MAX(version), 0) + 1 AS next FROM prompt_versions WHERE workspace_id = $1 AND name = $2',
          [input.workspace, input.name],
        );
        const version = Number(next);
        await transaction.query(
          `INSERT INTO prompt_versions (workspace_id, name, version, type, template, variables, config, commit_message, created_by)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8, $9)`,
          [
            input.workspace,
            input.name,
            version,
            input.type,
            JSON.stringify(input.template),
            JSON.stringify(input.variables),
            JSON.stringify(input.config),
            input.commitMessage,
            input.createdBy,
          ],
        );
        for (const label of new Set([LATEST_LABEL, ...input.labels])) {
          await moveLocked(transaction, input.workspace, input.name, label, version, 'version_created', input.createdBy);
        }
        const created = await versionQuery(transaction, input.workspace, input.name, version);
        if (created === undefined) throw new Error('the version just written was not found');
        return created;
      });
    } catch (error) {
      // The workspace was not there (the caller checked, but it may have gone since).
      if (isForeignKeyViolation(error)) throw notFound('The workspace', input.workspace, 'workspace');
      throw error;
    }
  }

  async getVersion(workspace: string, name: string, version: number): Promise<StoredPromptVersion | undefined> {
    return versionQuery(this.client, workspace, name, version);
  }

  /** The version a label points at, read in one statement. */
  async getByLabel(workspace: string, name: string, label: string): Promise<StoredPromptVersion | undefined> {
    const [row] = await this.client.query<{ version: number }>(
      'SELECT version FROM prompt_labels WHERE workspace_id = $1 AND name = $2 AND label = $3',
      [workspace, name, label],
    );
    return row === undefined ? undefined : versionQuery(this.client, workspace, name, Number(row.version));
  }

  async exists(workspace: string, name: string): Promise<boolean> {
    return (await this.client.query('SELECT 1 FROM prompts WHERE workspace_id = $1 AND name = $2', [workspace, name])).length > 0;
  }

  async listPrompts(workspace: string): Promise<PromptSummary[]> {
    const prompts = await this.client.query<{ name: string; created_by: string; created_at: Date | string; latest: number }>(
      `SELECT p.name, p.created_by, p.created_at, (SELECT MAX(v.version) FROM prompt_versions v WHERE v.workspace_id = p.workspace_id AND v.name = p.name) AS latest
       FROM prompts p WHERE p.workspace_id = $1 ORDER BY p.name`,
      [workspace],
    );
    const labels = await this.client.query<LabelRow>(
      'SELECT name, label, version, moved_by, moved_at FROM prompt_labels WHERE workspace_id = $1 ORDER BY name, label',
      [workspace],
    );
    return prompts.map((prompt) => ({
      workspace,
      name: prompt.name,
      latestVersion: Number(prompt.latest ?? 0),
      labels: labels.filter((label) => label.name === prompt.name).map(labelOf),
      createdBy: prompt.created_by,
      createdAt: new Date(prompt.created_at).toISOString(),
    }));
  }

  async getPrompt(workspace: string, name: string): Promise<PromptDetail | undefined> {
    const [prompt] = await this.client.query<{ created_by: string; created_at: Date | string }>(
      'SELECT created_by, created_at FROM prompts WHERE workspace_id = $1 AND name = $2',
      [workspace, name],
    );
    if (prompt === undefined) return undefined;
    const rows = await this.client.query<Omit<VersionRow, 'template' | 'variables' | 'config'>>(
      `SELECT v.workspace_id, v.name, v.version, v.type, v.commit_message, v.created_by, v.created_at,
              ARRAY(SELECT l.label FROM prompt_labels l WHERE l.workspace_id = v.workspace_id AND l.name = v.name AND l.version = v.version ORDER BY l.label) AS labels
       FROM prompt_versions v WHERE v.workspace_id = $1 AND v.name = $2 ORDER BY v.version`,
      [workspace, name],
    );
    const labels = await this.client.query<LabelRow>(
      'SELECT name, label, version, moved_by, moved_at FROM prompt_labels WHERE workspace_id = $1 AND name = $2 ORDER BY label',
      [workspace, name],
    );
    return {
      workspace,
      name,
      latestVersion: rows.length === 0 ? 0 : Number(rows[rows.length - 1].version),
      labels: labels.map(labelOf),
      createdBy: prompt.created_by,
      createdAt: new Date(prompt.created_at).toISOString(),
      versions: rows.map(summaryOf),
    };
  }

  /** Points `label` at `version` (which must exist); the move and its history entry commit together. */
  async moveLabel(workspace: string, name: string, label: string, version: number, movedBy: string): Promise<LabelMove> {
    return this.client.transaction(async (transaction) => {
      if (!(await lockPrompt(transaction, workspace, name))) throw notFound(`In workspace \`${workspace}\` the prompt`, name);
      const [exists] = await transaction.query('SELECT 1 FROM prompt_versions WHERE workspace_id = $1 AND name = $2 AND version = $3', [
        workspace,
        name,
        version,
      ]);
      if (exists === undefined) throw notFound(`The prompt \`${name}\` has no version`, String(version), 'version');
      return moveLocked(transaction, workspace, name, label, version, 'moved', movedBy);
    });
  }

  /** Moves `label` back to the version it held before its last move (409 when it never held another). */
  async rollback(workspace: string, name: string, label: string, movedBy: string): Promise<LabelMove> {
    return this.client.transaction(async (transaction) => {
      if (!(await lockPrompt(transaction, workspace, name))) throw notFound(`In workspace \`${workspace}\` the prompt`, name);
      const [last] = await transaction.query<{ from_version: number | null }>(
        `SELECT from_version FROM prompt_label_moves WHERE workspace_id = $1 AND name = $2 AND label = $3 ORDER BY id DESC LIMIT 1`,
        [workspace, name, label],
      );
      if (last === undefined) throw notFound(`The prompt \`${name}\` has no label`, label, 'label');
      if (last.from_version === null)
        throw conflict(
          `The label \`${label}\` of prompt \`${name}\` has pointed at no other version: there is nothing to roll back to.`,
          'nothing_to_roll_back',
        );
      return moveLocked(transaction, workspace, name, label, Number(last.from_version), 'rollback', movedBy);
    });
  }

  /** Every move of the prompt's labels (or of one label), oldest first. */
  async labelHistory(workspace: string, name: string, label?: string): Promise<LabelMove[]> {
    const rows = await this.client.query<{
      label: string;
      from_version: number | null;
      to_version: number;
      reason: LabelMove['reason'];
      moved_by: string;
      moved_at: Date | string;
    }>(
      `SELECT label, from_version, to_version, reason, moved_by, moved_at FROM prompt_label_moves
       WHERE workspace_id = $1 AND name = $2 AND ($3::text IS NULL OR label = $3::text) ORDER BY id`,
      [workspace, name, label ?? null],
    );
    return rows.map((row) => ({
      label: row.label,
      fromVersion: row.from_version === null ? null : Number(row.from_version),
      toVersion: Number(row.to_version),
      reason: row.reason,
      movedBy: row.moved_by,
      movedAt: new Date(row.moved_at).toISOString(),
    }));
  }
}

/** Locks the prompt's row for the transaction: its writers take turns. False when there is no such prompt. */
async function lockPrompt(transaction: SqlExecutor, workspace: string, name: string): Promise<boolean> {
  const rows = await transaction.query('SELECT 1 FROM prompts WHERE workspace_id = $1 AND name = $2 FOR UPDATE', [workspace, name]);
  return rows.length > 0;
}

async function moveLocked(
  transaction: SqlExecutor,
  workspace: string,
  name: string,
  label: string,
  version: number,
  reason: LabelMove['reason'],
  movedBy: string,
): Promise<LabelMove> {
  const [current] = await transaction.query<{ version: number }>(
    'SELECT version FROM prompt_labels WHERE workspace_id = $1 AND name = $2 AND label = $3',
    [workspace, name, label],
  );
  const fromVersion = current === undefined ? null : Number(current.version);
  const [moved] = await transaction.query<{ moved_at: Date | string }>(
    `INSERT INTO prompt_labels (workspace_id, name, label, version, moved_by) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (workspace_id, name, label) DO UPDATE SET version = EXCLUDED.version, moved_by = EXCLUDED.moved_by, moved_at = now()
     RETURNING moved_at`,
    [workspace, name, label, version, movedBy],
  );
  await transaction.query(
    `INSERT INTO prompt_label_moves (workspace_id, name, label, from_version, to_version, reason, moved_by) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [workspace, name, label, fromVersion, version, reason, movedBy],
  );
  return { label, fromVersion, toVersion: version, reason, movedBy, movedAt: new Date(moved.moved_at).toISOString() };
}

async function versionQuery(executor: SqlExecutor, workspace: string, name: string, version: number): Promise<StoredPromptVersion | undefined> {
  const [row] = await executor.query<VersionRow>(
    `SELECT v.workspace_id, v.name, v.version, v.type, v.template::text AS template, v.variables::text AS variables, v.config::text AS config,
            v.commit_message, v.created_by, v.created_at, ARRAY(SELECT l.label FROM prompt_labels l WHERE l.workspace_id = v.workspace_id AND l.name = v.name AND l.version = v.version ORDER BY l.label) AS labels
     FROM prompt_versions v WHERE v.workspace_id = $1 AND v.name = $2 AND v.version = $3`,
    [workspace, name, version],
  );
  return row && versionOf(row);
}

/** jsonb is read as text (`::text`) so that a text template, a JSON string, is parsed exactly once whatever the driver. */
function json<T>(value: string): T {
  return JSON.parse(value) as T;
}

function summaryOf(row: Omit<VersionRow, 'template' | 'variables' | 'config'>): Omit<StoredPromptVersion, 'template' | 'variables' | 'config'> {
  return {
    workspace: row.workspace_id,
    name: row.name,
    version: Number(row.version),
    type: row.type,
    commitMessage: row.commit_message,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at).toISOString(),
    labels: row.labels ?? [],
  };
}

function versionOf(row: VersionRow): StoredPromptVersion {
  return { ...summaryOf(row), template: json(row.template), variables: json(row.variables), config: json(row.config) };
}

function labelOf(row: LabelRow): PromptLabel {
  return { label: row.label, version: Number(row.version), movedBy: row.moved_by, movedAt: new Date(row.moved_at).toISOString() };
}
