-- Feedback scores (`POST /v1/feedback`) on a recorded request or on a trace,
-- in the workspace of what they score. A boolean score (thumbs) is kept as
-- numeric_value 1 or 0 beside its kind, so means treat it as a share of
-- thumbs up; a categorical score has only string_value.
CREATE TABLE IF NOT EXISTS scores (
  score_id text COLLATE "C" PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  workspace text NOT NULL,
  -- '' when the score is on a trace.
  request_id text NOT NULL,
  -- The request's trace, or the trace scored.
  trace_id text NOT NULL,
  -- false when the score is on the whole trace: it counts for every request of it.
  on_request boolean NOT NULL,
  name text NOT NULL,
  -- boolean | numeric | categorical
  kind text NOT NULL,
  numeric_value double precision,
  string_value text,
  comment text NOT NULL,
  -- The key that sent it, '' without one.
  key_id text NOT NULL
);

-- Analytics join scores to requests within a workspace, by request or by trace.
CREATE INDEX IF NOT EXISTS scores_workspace_request_idx ON scores (workspace, request_id);
CREATE INDEX IF NOT EXISTS scores_workspace_trace_idx ON scores (workspace, trace_id);
