-- Application spans sent to the gateway (OTLP/HTTP at POST /v1/traces). A
-- trace is these spans and the requests (their generations) with the same
-- trace_id, in the same workspace. A span sent twice (an exporter's retry, a
-- redelivered event) is kept once: (workspace, trace_id, span_id) is the key.
CREATE TABLE IF NOT EXISTS spans (
  workspace text NOT NULL,
  trace_id text NOT NULL,
  span_id text NOT NULL,
  parent_span_id text NOT NULL DEFAULT '',
  name text NOT NULL,
  -- span, generation or event.
  kind text NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at timestamptz NOT NULL,
  -- ok, error or unset.
  status text NOT NULL,
  status_message text NOT NULL DEFAULT '',
  attributes jsonb NOT NULL DEFAULT '{}',
  service_name text NOT NULL DEFAULT '',
  session_id text NOT NULL DEFAULT '',
  user_id text NOT NULL DEFAULT '',
  model text NOT NULL DEFAULT '',
  -- NULL when the span reported none.
  input_tokens bigint,
  output_tokens bigint,
  -- The SpansReceived event that carried it, and the key that sent it.
  event_id text NOT NULL,
  key_id text NOT NULL DEFAULT '',
  received_at timestamptz NOT NULL,
  PRIMARY KEY (workspace, trace_id, span_id)
);
CREATE INDEX IF NOT EXISTS spans_workspace_started_idx ON spans (workspace, started_at);
CREATE INDEX IF NOT EXISTS spans_workspace_session_idx ON spans (workspace, session_id, started_at);
CREATE INDEX IF NOT EXISTS spans_workspace_user_idx ON spans (workspace, user_id, started_at);
CREATE INDEX IF NOT EXISTS requests_workspace_user_idx ON requests (workspace, user_id, occurred_at);
