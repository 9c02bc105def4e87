-- Rate limits and budgets set through the admin API, each on one workspace, or on one key or one
-- end user (the body's `user`) within it. The gateways keep them in memory and reload them when
-- told of a change; the config's rules apply beside them.
CREATE TABLE rate_limit_rules (
  id text PRIMARY KEY,
  organization text NOT NULL,
  workspace text NOT NULL,
  scope text NOT NULL CHECK (scope IN ('workspace', 'key', 'user')),
  -- The workspace, key id or user the rule counts.
  subject text NOT NULL,
  requests_per_minute integer CHECK (requests_per_minute > 0),
  tokens_per_minute integer CHECK (tokens_per_minute > 0),
  token_kind text NOT NULL CHECK (token_kind IN ('input', 'output', 'total')),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  CHECK (requests_per_minute IS NOT NULL OR tokens_per_minute IS NOT NULL)
);

CREATE INDEX rate_limit_rules_workspace ON rate_limit_rules (workspace);

CREATE TABLE budget_rules (
  id text PRIMARY KEY,
  organization text NOT NULL,
  workspace text NOT NULL,
  scope text NOT NULL CHECK (scope IN ('workspace', 'key', 'user')),
  subject text NOT NULL,
  limit_usd double precision NOT NULL CHECK (limit_usd > 0),
  period text NOT NULL CHECK (period IN ('day', 'week', 'month')),
  timezone text NOT NULL,
  alert_at_percent double precision CHECK (alert_at_percent > 0 AND alert_at_percent <= 100),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL
);

CREATE INDEX budget_rules_workspace ON budget_rules (workspace);
