-- A/B tests: a target (a managed prompt, or a model for requests without a
-- prompt), its arms with their weights, the assignment mode, the metric and
-- the stopping rule as JSON (validated by the admin API). A stopped test keeps
-- routing its target to `winner` until a newer test of the same target starts.
CREATE TABLE experiments (
  id text PRIMARY KEY,
  organization text NOT NULL,
  workspace text NOT NULL REFERENCES workspaces (id),
  name text NOT NULL,
  target_kind text NOT NULL CHECK (target_kind IN ('prompt', 'model')),
  target_name text NOT NULL,
  arms jsonb NOT NULL,
  assignment text NOT NULL CHECK (assignment IN ('weighted', 'sticky_user', 'sticky_session')),
  metric jsonb NOT NULL,
  stopping jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'stopped')),
  winner text,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  stopped_by text,
  stopped_at timestamptz
);
CREATE UNIQUE INDEX experiments_workspace_name ON experiments (workspace, name);
-- One running test per target: two would each claim the same requests.
CREATE UNIQUE INDEX experiments_running_target ON experiments (workspace, target_kind, target_name) WHERE status = 'running';
CREATE INDEX experiments_workspace_created ON experiments (workspace, created_at);
