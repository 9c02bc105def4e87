-- Evaluation datasets: items with an input (a prompt's variables, a text or chat messages),
-- an expected output and metadata, in the order they were added.
CREATE TABLE evaluation_datasets (
  id text PRIMARY KEY,
  workspace_id text NOT NULL REFERENCES workspaces (id),
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX evaluation_datasets_name ON evaluation_datasets (workspace_id, name);

CREATE TABLE evaluation_dataset_items (
  id text PRIMARY KEY,
  dataset_id text NOT NULL REFERENCES evaluation_datasets (id) ON DELETE CASCADE,
  position integer NOT NULL,
  input jsonb NOT NULL,
  expected_output jsonb,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX evaluation_dataset_items_position ON evaluation_dataset_items (dataset_id, position);

-- A run of a prompt version (or raw inputs) x a model over a dataset. `lease_expires_at` is renewed
-- while a process works on it, so a resume elsewhere waits until the worker is gone.
CREATE TABLE evaluation_runs (
  id text PRIMARY KEY,
  workspace_id text NOT NULL REFERENCES workspaces (id),
  dataset_id text NOT NULL REFERENCES evaluation_datasets (id),
  prompt_name text,
  prompt_version integer,
  model text NOT NULL,
  evaluators jsonb NOT NULL,
  concurrency integer NOT NULL,
  status text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'interrupted')),
  total_items integer NOT NULL,
  error text,
  lease_expires_at timestamptz,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz
);
CREATE INDEX evaluation_runs_workspace ON evaluation_runs (workspace_id, created_at);

-- One item's outcome in a run: written once, so a resumed run skips what is done.
CREATE TABLE evaluation_results (
  run_id text NOT NULL REFERENCES evaluation_runs (id) ON DELETE CASCADE,
  item_id text NOT NULL,
  request_id text,
  output text,
  error text,
  scores jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, item_id)
);

-- What a prompt version's evaluation must reach before it is promoted (per evaluator name).
CREATE TABLE prompt_promotion_policies (
  workspace_id text NOT NULL REFERENCES workspaces (id),
  prompt_name text NOT NULL,
  evaluators jsonb NOT NULL,
  dataset_id text REFERENCES evaluation_datasets (id),
  updated_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, prompt_name)
);
