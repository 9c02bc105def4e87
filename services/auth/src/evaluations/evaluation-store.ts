import { randomBytes } from 'node:crypto';
import type { SqlClient } from '@switchyard/database';
import { alreadyExists, isUniqueViolation } from '../storage/governance-errors';
import type { EvaluatorSpec } from './evaluators/evaluator';

export interface Dataset {
  id: string;
  workspace: string;
  name: string;
  description: string;
  itemCount: number;
  createdBy: string;
  createdAt: string;
}

/** One case of a dataset: `input` is a prompt's variables (an object), a text or chat messages. */
export interface DatasetItem {
  id: string;
  position: number;
  input: unknown;
  expectedOutput: unknown;
  metadata: Record<string, unknown>;
}

export type NewDatasetItem = Omit<DatasetItem, 'id' | 'position'>;

export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'interrupted';

export interface EvaluationRun {
  id: string;
  workspace: string;
  dataset: string;
  prompt?: { name: string; version: number };
  model: string;
  evaluators: EvaluatorSpec[];
  concurrency: number;
  status: RunStatus;
  totalItems: number;
  error?: string;
  leaseExpiresAt?: Date;
  createdBy: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
}

/** One evaluator's verdict on one item: a score, or why there is none. */
export interface ItemScore {
  score?: number;
  reason?: string;
  error?: string;
}

export interface ItemResult {
  itemId: string;
  requestId?: string;
  output?: string;
  error?: string;
  scores: Record<string, ItemScore>;
}

/** The thresholds a prompt's evaluation must reach before a promotion (per evaluator name). */
export interface PromotionPolicy {
  workspace: string;
  prompt: string;
  evaluators: Record<string, { minMean: number }>;
  dataset?: string;
  updatedBy: string;
  updatedAt: string;
}

interface DatasetRow {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  item_count: number | string;
  created_by: string;
  created_at: Date | string;
}

interface ItemRow {
  id: string;
  position: number;
  input: unknown;
  expected_output: unknown;
  metadata: unknown;
}

interface RunRow {
  id: string;
  workspace_id: string;
  dataset_id: string;
  prompt_name: string | null;
  prompt_version: number | null;
  model: string;
  evaluators: unknown;
  concurrency: number;
  status: RunStatus;
  total_items: number;
  error: string | null;
  lease_expires_at: Date | string | null;
  created_by: string;
  created_at: Date | string;
  started_at: Date | string | null;
  finished_at: Date | string | null;
}

interface ResultRow {
  item_id: string;
  request_id: string | null;
  output: string | null;
  error: string | null;
  scores: unknown;
}

interface PolicyRow {
  workspace_id: string;
  prompt_name: string;
  evaluators: unknown;
  dataset_id: string | null;
  updated_by: string;
  updated_at: Date | string;
}

const DATASET_COLUMNS = `d.id, d.workspace_id, d.name, d.description, d.created_by, d.created_at,
  (SELECT count(*) FROM evaluation_dataset_items i WHERE i.dataset_id = d.id) AS item_count`;

/**
 * Datasets, runs, their per-item results and promotion policies, in the
 * governance database (migration 0003). Every read names the workspace:
 * another workspace's object is simply not found.
 */
export class EvaluationStore {
  constructor(private readonly client: SqlClient) {}

  async createDataset(input: { workspace: string; name: string; description: string; createdBy: string }): Promise<Dataset> {
    const id = newId('ds');
    try {
      await this.client.query('INSERT INTO evaluation_datasets (id, workspace_id, name, description, created_by) VALUES ($1, $2, $3, $4, $5)', [
        id,
        input.workspace,
        input.name,
        input.description,
        input.createdBy,
      ]);
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyExists('The dataset', input.name, 'name');
      throw error;
    }
    return (await this.getDataset(input.workspace, id))!;
  }

  async listDatasets(workspace: string): Promise<Dataset[]> {
    const rows = await this.client.query<DatasetRow>(
      `SELECT ${DATASET_COLUMNS} FROM evaluation_datasets d WHERE d.workspace_id = $1 ORDER BY d.created_at, d.id`,
      [workspace],
    );
    return rows.map(datasetOf);
  }

  /** By id or by name within the workspace. */
  async getDataset(workspace: string, idOrName: string): Promise<Dataset | undefined> {
    const [row] = await this.client.query<DatasetRow>(
      `SELECT ${DATASET_COLUMNS} FROM evaluation_datasets d WHERE d.workspace_id = $1 AND (d.id = $2 OR d.name = $2)`,
      [workspace, idOrName],
    );
    return row === undefined ? undefined : datasetOf(row);
  }

  /** Appends items after the last one, all or none; answers how many the dataset holds now. */
  async addItems(dataset: string, items: readonly NewDatasetItem[], maximumItems: number): Promise<number> {
    return this.client.transaction(async (transaction) => {
      // One writer at a time per dataset, so positions stay dense and the bound holds.
      await transaction.query('SELECT id FROM evaluation_datasets WHERE id = $1 FOR UPDATE', [dataset]);
      const [{ count }] = await transaction.query<{ count: number | string }>(
        'SELECT count(*) AS count FROM evaluation_dataset_items WHERE dataset_id = $1',
        [dataset],
      );
      const existing = Number(count);
      if (existing + items.length > maximumItems) {
        throw new DatasetFullError(existing, items.length, maximumItems);
      }
      let position = existing;
      for (const item of items) {
        await transaction.query(
          'INSERT INTO evaluation_dataset_items (id, dataset_id, position, input, expected_output, metadata) VALUES ($1, $2, $3, $4, $5, $6)',
          [
            newId('item'),
            dataset,
            position++,
            JSON.stringify(item.input),
            item.expectedOutput === undefined ? null : JSON.stringify(item.expectedOutput),
            JSON.stringify(item.metadata),
          ],
        );
      }
      return position;
    });
  }

  async listItems(dataset: string, options: { after?: number; limit?: number } = {}): Promise<DatasetItem[]> {
    const rows = await this.client.query<ItemRow>(
      `SELECT id, position, input, expected_output, metadata FROM evaluation_dataset_items
       WHERE dataset_id = $1 AND position > $2 ORDER BY position LIMIT $3`,
      [dataset, options.after ?? -1, options.limit ?? 1_000_000],
    );
    return rows.map((row) => ({
      id: row.id,
      position: row.position,
      // jsonb comes back parsed from Postgres and PGlite alike (a JSON string as a string).
      input: row.input,
      expectedOutput: row.expected_output ?? undefined,
      metadata: (row.metadata ?? {}) as Record<string, unknown>,
    }));
  }

  async createRun(input: Omit<EvaluationRun, 'id' | 'status' | 'createdAt'>): Promise<EvaluationRun> {
    const id = newId('evalrun');
    await this.client.query(
      `INSERT INTO evaluation_runs (id, workspace_id, dataset_id, prompt_name, prompt_version, model, evaluators, concurrency, status, total_items, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', $9, $10)`,
      [
        id,
        input.workspace,
        input.dataset,
        input.prompt?.name ?? null,
        input.prompt?.version ?? null,
        input.model,
        JSON.stringify(input.evaluators),
        input.concurrency,
        input.totalItems,
        input.createdBy,
      ],
    );
    return (await this.getRun(input.workspace, id))!;
  }

  async getRun(workspace: string, id: string): Promise<EvaluationRun | undefined> {
    const [row] = await this.client.query<RunRow>('SELECT * FROM evaluation_runs WHERE workspace_id = $1 AND id = $2', [workspace, id]);
    return row === undefined ? undefined : runOf(row);
  }

  async listRuns(workspace: string, limit: number): Promise<EvaluationRun[]> {
    const rows = await this.client.query<RunRow>('SELECT * FROM evaluation_runs WHERE workspace_id = $1 ORDER BY created_at DESC, id LIMIT $2', [
      workspace,
      limit,
    ]);
    return rows.map(runOf);
  }

  /**
   * Takes the run for this process until `leaseUntil`, unless another holds
   * an unexpired lease or the run is completed; answers whether it did.
   */
  async claimRun(id: string, leaseUntil: Date, now: Date): Promise<boolean> {
    const rows = await this.client.query(
      `UPDATE evaluation_runs SET status = 'running', lease_expires_at = $2, started_at = COALESCE(started_at, $3), error = NULL
       WHERE id = $1 AND status <> 'completed' AND (status <> 'running' OR lease_expires_at IS NULL OR lease_expires_at < $3)
       RETURNING id`,
      [id, leaseUntil, now],
    );
    return rows.length === 1;
  }

  async renewLease(id: string, leaseUntil: Date): Promise<void> {
    await this.client.query(`UPDATE evaluation_runs SET lease_expires_at = $2 WHERE id = $1 AND status = 'running'`, [id, leaseUntil]);
  }

  async finishRun(id: string, status: 'completed' | 'failed' | 'interrupted', now: Date, error?: string): Promise<void> {
    await this.client.query('UPDATE evaluation_runs SET status = $2, error = $3, lease_expires_at = NULL, finished_at = $4 WHERE id = $1', [
      id,
      status,
      error ?? null,
      status === 'interrupted' ? null : now,
    ]);
  }

  /** Written once: a second write of the same item (a resume racing a worker) is ignored. */
  async saveResult(runId: string, result: ItemResult): Promise<void> {
    await this.client.query(
      `INSERT INTO evaluation_results (run_id, item_id, request_id, output, error, scores) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (run_id, item_id) DO NOTHING`,
      [runId, result.itemId, result.requestId ?? null, result.output ?? null, result.error ?? null, JSON.stringify(result.scores)],
    );
  }

  async listResults(runId: string): Promise<ItemResult[]> {
    const rows = await this.client.query<ResultRow>(
      'SELECT item_id, request_id, output, error, scores FROM evaluation_results WHERE run_id = $1 ORDER BY created_at, item_id',
      [runId],
    );
    return rows.map((row) => ({
      itemId: row.item_id,
      requestId: row.request_id ?? undefined,
      output: row.output ?? undefined,
      error: row.error ?? undefined,
      scores: (row.scores ?? {}) as Record<string, ItemScore>,
    }));
  }

  async putPolicy(policy: Omit<PromotionPolicy, 'updatedAt'>): Promise<PromotionPolicy> {
    await this.client.query(
      `INSERT INTO prompt_promotion_policies (workspace_id, prompt_name, evaluators, dataset_id, updated_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (workspace_id, prompt_name) DO UPDATE SET evaluators = $3, dataset_id = $4, updated_by = $5, updated_at = now()`,
      [policy.workspace, policy.prompt, JSON.stringify(policy.evaluators), policy.dataset ?? null, policy.updatedBy],
    );
    return (await this.getPolicy(policy.workspace, policy.prompt))!;
  }

  async getPolicy(workspace: string, prompt: string): Promise<PromotionPolicy | undefined> {
    const [row] = await this.client.query<PolicyRow>('SELECT * FROM prompt_promotion_policies WHERE workspace_id = $1 AND prompt_name = $2', [
      workspace,
      prompt,
    ]);
    if (row === undefined) return undefined;
    return {
      workspace: row.workspace_id,
      prompt: row.prompt_name,
      evaluators: row.evaluators as PromotionPolicy['evaluators'],
      dataset: row.dataset_id ?? undefined,
      updatedBy: row.updated_by,
      updatedAt: iso(row.updated_at)!,
    };
  }
}

/** Adding the items would take the dataset past its bound. */
export class DatasetFullError extends Error {
  constructor(
    readonly existing: number,
    readonly adding: number,
    readonly maximum: number,
  ) {
    super(`The dataset holds ${existing} items; ${adding} more would exceed its bound of ${maximum}.`);
  }
}

function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

function iso(value: Date | string | null): string | undefined {
  if (value === null) return undefined;
  return new Date(value).toISOString();
}

function datasetOf(row: DatasetRow): Dataset {
  return {
    id: row.id,
    workspace: row.workspace_id,
    name: row.name,
    description: row.description,
    itemCount: Number(row.item_count),
    createdBy: row.created_by,
    createdAt: iso(row.created_at)!,
  };
}

function runOf(row: RunRow): EvaluationRun {
  return {
    id: row.id,
    workspace: row.workspace_id,
    dataset: row.dataset_id,
    prompt: row.prompt_name === null || row.prompt_version === null ? undefined : { name: row.prompt_name, version: row.prompt_version },
    model: row.model,
    evaluators: row.evaluators as EvaluatorSpec[],
    concurrency: row.concurrency,
    status: row.status,
    totalItems: row.total_items,
    error: row.error ?? undefined,
    leaseExpiresAt: row.lease_expires_at === null ? undefined : new Date(row.lease_expires_at),
    createdBy: row.created_by,
    createdAt: iso(row.created_at)!,
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
  };
}
