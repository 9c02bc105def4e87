-- Alerts (services/observability/src/alerts): the rules as the evaluator
-- last saw them, the series firing now, every firing and recovery, and the
-- lease that lets one replica at a time evaluate.

-- One row per configured rule; rules gone from the config are deleted.
CREATE TABLE IF NOT EXISTS alert_rules (
  name text COLLATE "C" PRIMARY KEY,
  kind text NOT NULL,
  -- '' when the rule watches every workspace.
  workspace text NOT NULL,
  -- The rule as configured (threshold, window, filters, channels).
  definition jsonb NOT NULL,
  evaluated_at timestamptz
);

-- One row per series firing now: the rule as a whole (series ''), or one
-- provider or budget subject of it. Its absence is "not firing".
CREATE TABLE IF NOT EXISTS alert_states (
  rule text COLLATE "C" NOT NULL,
  series text COLLATE "C" NOT NULL,
  workspace text NOT NULL,
  value double precision NOT NULL,
  since timestamptz NOT NULL,
  PRIMARY KEY (rule, series)
);

-- One row per firing and per recovery, with how each channel was told.
CREATE TABLE IF NOT EXISTS alert_history (
  id text COLLATE "C" PRIMARY KEY,
  occurred_at timestamptz NOT NULL,
  rule text NOT NULL,
  kind text NOT NULL,
  series text NOT NULL,
  workspace text NOT NULL,
  -- firing | resolved
  state text NOT NULL,
  value double precision NOT NULL,
  threshold double precision NOT NULL,
  -- {"<channel>": {"status": "sent" | "failed", "attempts": n}}
  deliveries jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS alert_history_occurred_at_idx ON alert_history (occurred_at);
CREATE INDEX IF NOT EXISTS alert_history_workspace_idx ON alert_history (workspace, occurred_at);

-- Who evaluates: a replica holds the lease until it expires or it renews it.
CREATE TABLE IF NOT EXISTS alert_lease (
  name text PRIMARY KEY,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL
);
