-- The A/B test (and its arm) that picked each request's prompt version or
-- model; empty when none did. Results read one experiment's requests, arm by arm.
ALTER TABLE requests ADD COLUMN IF NOT EXISTS experiment_id text NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN IF NOT EXISTS experiment_arm text NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS requests_workspace_experiment_idx ON requests (workspace, experiment_id, experiment_arm) WHERE experiment_id <> '';
