-- Where each request sits in its trace (its own span, the caller's span,
-- the step's name), the caller's tags, the client's country, the managed
-- prompt it used, and the parts of its cost with their price source. Rows
-- written before the columns existed have none of these: empty, 0, '[]'.
ALTER TABLE requests ADD COLUMN IF NOT EXISTS span_id text NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN IF NOT EXISTS parent_span_id text NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN IF NOT EXISTS span_name text NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN IF NOT EXISTS tags jsonb NOT NULL DEFAULT '[]';
ALTER TABLE requests ADD COLUMN IF NOT EXISTS country text NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN IF NOT EXISTS prompt_name text NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN IF NOT EXISTS prompt_version bigint NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN IF NOT EXISTS input_cost_usd double precision NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN IF NOT EXISTS output_cost_usd double precision NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN IF NOT EXISTS price_source text NOT NULL DEFAULT '';
-- Traces and sessions are first-class filters.
CREATE INDEX IF NOT EXISTS requests_trace_id_idx ON requests (trace_id);
CREATE INDEX IF NOT EXISTS requests_workspace_session_idx ON requests (workspace, session_id, occurred_at);
