import { randomBytes } from 'node:crypto';
import type { SqlClient } from '@switchyard/database';
import type { Experiment, ExperimentArm, ExperimentMetric, ExperimentStopping, NewExperiment } from './experiment-model';

interface ExperimentRow {
  id: string;
  organization: string;
  workspace: string;
  name: string;
  target_kind: 'prompt' | 'model';
  target_name: string;
  arms: ExperimentArm[] | string;
  assignment: Experiment['assignment'];
  metric: ExperimentMetric | string;
  stopping: ExperimentStopping | string;
  status: Experiment['status'];
  winner: string | null;
  created_by: string;
  created_at: Date | string;
  stopped_by: string | null;
  stopped_at: Date | string | null;
}

/**
 * The A/B tests, in the governance database (migration 0004, applied by
 * `openGovernanceStore`). Creating one fails with a unique violation when
 * the workspace has a test of that name, or a running test of that target.
 */
export class ExperimentStore {
  constructor(private readonly client: SqlClient) {}

  async create(experiment: NewExperiment): Promise<Experiment> {
    const [row] = await this.client.query<ExperimentRow>(
      `INSERT INTO experiments (id, organization, workspace, name, target_kind, target_name, arms, assignment, metric, stopping, status, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9::jsonb, $10::jsonb, 'running', $11) RETURNING *`,
      [
        `exp_${randomBytes(12).toString('hex')}`,
        experiment.organization,
        experiment.workspace,
        experiment.name,
        experiment.target.prompt === undefined ? 'model' : 'prompt',
        experiment.target.prompt ?? experiment.target.model,
        JSON.stringify(experiment.arms),
        experiment.assignment,
        JSON.stringify(experiment.metric),
        JSON.stringify(experiment.stopping),
        experiment.createdBy,
      ],
    );
    return experimentOf(row);
  }

  /** The workspace's tests, newest first. */
  async list(workspace: string): Promise<Experiment[]> {
    const rows = await this.client.query<ExperimentRow>('SELECT * FROM experiments WHERE workspace = $1 ORDER BY created_at DESC, id', [workspace]);
    return rows.map(experimentOf);
  }

  async get(workspace: string, id: string): Promise<Experiment | undefined> {
    const [row] = await this.client.query<ExperimentRow>('SELECT * FROM experiments WHERE workspace = $1 AND id = $2', [workspace, id]);
    return row && experimentOf(row);
  }

  /**
   * What routes traffic, in every workspace: each running test, and for a
   * target without one the newest stopped test (its winner takes the traffic).
   */
  async listRouting(): Promise<Experiment[]> {
    const rows = await this.client.query<ExperimentRow>(
      `SELECT DISTINCT ON (workspace, target_kind, target_name) * FROM experiments
       ORDER BY workspace, target_kind, target_name, (status = 'running') DESC, created_at DESC, id`,
    );
    return rows.map(experimentOf);
  }

  /** Stops a running test with `winner`; undefined when it was not running (stopped meanwhile). */
  async stop(workspace: string, id: string, winner: string, stoppedBy: string): Promise<Experiment | undefined> {
    const [row] = await this.client.query<ExperimentRow>(
      `UPDATE experiments SET status = 'stopped', winner = $3, stopped_by = $4, stopped_at = now()
       WHERE workspace = $1 AND id = $2 AND status = 'running' RETURNING *`,
      [workspace, id, winner, stoppedBy],
    );
    return row && experimentOf(row);
  }
}

function experimentOf(row: ExperimentRow): Experiment {
  return {
    id: row.id,
    organization: row.organization,
    workspace: row.workspace,
    name: row.name,
    target: row.target_kind === 'prompt' ? { prompt: row.target_name } : { model: row.target_name },
    arms: json(row.arms),
    assignment: row.assignment,
    metric: json(row.metric),
    stopping: json(row.stopping),
    status: row.status,
    ...(row.winner === null ? {} : { winner: row.winner }),
    createdAt: new Date(row.created_at).toISOString(),
    createdBy: row.created_by,
    ...(row.stopped_at === null ? {} : { stoppedAt: new Date(row.stopped_at).toISOString() }),
    ...(row.stopped_by === null ? {} : { stoppedBy: row.stopped_by }),
  };
}

/** jsonb comes parsed from both drivers; text is parsed for safety. */
function json<T>(value: T | string): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}
