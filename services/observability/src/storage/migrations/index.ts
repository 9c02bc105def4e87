/**
 * The schema migrations, oldest first. Each `sql` is the text of the `.sql`
 * file of the same name beside this one, embedded so that it ships in `dist/`
 * without a copy step (a test checks that the two are identical).
 *
 * Adding one: write `000N_<name>.sql`, add it at the end here with the next
 * version. A released migration is never edited: the runner refuses to start
 * when an applied migration's text has changed.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'create_event_tables',
    sql: String.raw`-- The record of every request through the gateway, as the consumers store
-- the events of proto/switchyard/events/v1/events.proto.
--
-- Conventions:
-- - event_id is the primary key of every table: a redelivered event is
--   inserted with ON CONFLICT (event_id) DO NOTHING and never duplicates a row.
--   Its collation is "C" (byte order), so keyset pagination over
--   (occurred_at, event_id) orders the same on every server.
-- - Times are timestamptz (microseconds; the event's nanoseconds beyond
--   that are dropped). An event without occurred_at is stored at the Unix epoch.
-- - Enums are stored as their lower-case names without the prefix
--   (succeeded, chat_completion, semantic_hit, unspecified); a value
--   this code does not know is stored as its number.
-- - Unsigned 32-bit counts are bigint: integer stops at 2^31 - 1.
-- - Text cannot hold the character U+0000; it is stored as U+FFFD.
-- - Token columns of requests are NULL when the event carried no token
--   counts (tokens unset), which sums treat like zero.
-- - recorded_at is when the row was written, for measuring consumer lag.

-- One row per RequestCompleted event.
CREATE TABLE requests (
  event_id text COLLATE "C" PRIMARY KEY,
  occurred_at timestamptz NOT NULL,
  -- Not unique: a request's id may appear on more than one event; readers take the latest.
  request_id text NOT NULL,
  workspace text NOT NULL,
  -- Virtual key id, '' when the request used none.
  key_id text NOT NULL,
  -- The event's user: the end user the client named.
  user_id text NOT NULL,
  session_id text NOT NULL,
  trace_id text NOT NULL,
  -- chat_completion | embedding
  operation text NOT NULL,
  -- The model the client asked for (may be a route alias).
  requested_model text NOT NULL,
  -- The model the provider reported serving.
  served_model text NOT NULL,
  provider text NOT NULL,
  -- <provider>/<model> of the deployment that answered, or was tried last.
  deployment text NOT NULL,
  route_path text NOT NULL,
  attempts bigint NOT NULL,
  -- succeeded | failed | cancelled
  status text NOT NULL,
  -- HTTP status returned to the client.
  http_status bigint NOT NULL,
  -- e.g. rate_limit_error; '' on success.
  error_class text NOT NULL,
  error_message text NOT NULL,
  latency_ms double precision NOT NULL,
  -- For streams: time until the first content reached the client; 0 otherwise.
  time_to_first_token_ms double precision NOT NULL,
  streamed boolean NOT NULL,
  input_tokens bigint,
  output_tokens bigint,
  -- Part of input_tokens.
  cached_input_tokens bigint,
  -- Part of input_tokens.
  cache_write_tokens bigint,
  -- Part of output_tokens.
  reasoning_tokens bigint,
  cost_usd double precision NOT NULL,
  -- disabled | miss | hit | semantic_hit
  cache_status text NOT NULL,
  -- The event's string map, as a JSON object.
  metadata jsonb NOT NULL,
  finish_reason text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);

-- getRequest: the latest event of a request id.
CREATE INDEX requests_request_id_idx ON requests (request_id);
-- listRequests, newest first, one keyset page at a time.
CREATE INDEX requests_occurred_at_idx ON requests (occurred_at, event_id);
-- The same within one workspace, the common filter.
CREATE INDEX requests_workspace_occurred_at_idx ON requests (workspace, occurred_at, event_id);

-- The token counts of every RequestCompleted event, one row each: a narrow
-- ledger for billing and exports that need no request details. model is the
-- served model, or the requested one when none was reported.
CREATE TABLE usage (
  event_id text COLLATE "C" PRIMARY KEY,
  request_id text NOT NULL,
  occurred_at timestamptz NOT NULL,
  workspace text NOT NULL,
  key_id text NOT NULL,
  user_id text NOT NULL,
  provider text NOT NULL,
  model text NOT NULL,
  -- 0 when the event carried no token counts.
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  cached_input_tokens bigint NOT NULL,
  cache_write_tokens bigint NOT NULL,
  reasoning_tokens bigint NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX usage_request_id_idx ON usage (request_id);
CREATE INDEX usage_workspace_occurred_at_idx ON usage (workspace, occurred_at);

-- One row per CostRecorded event: the cost of a request, priced when it ended.
CREATE TABLE costs (
  event_id text COLLATE "C" PRIMARY KEY,
  occurred_at timestamptz NOT NULL,
  request_id text NOT NULL,
  workspace text NOT NULL,
  key_id text NOT NULL,
  -- The event's user.
  user_id text NOT NULL,
  provider text NOT NULL,
  model text NOT NULL,
  -- NULL when the event carried no token counts, as in requests.
  input_tokens bigint,
  output_tokens bigint,
  cached_input_tokens bigint,
  cache_write_tokens bigint,
  reasoning_tokens bigint,
  input_cost_usd double precision NOT NULL,
  output_cost_usd double precision NOT NULL,
  total_cost_usd double precision NOT NULL,
  -- Where the prices came from, e.g. config.
  price_source text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX costs_request_id_idx ON costs (request_id);
CREATE INDEX costs_workspace_occurred_at_idx ON costs (workspace, occurred_at);
`,
  },
  {
    version: 2,
    name: 'drop_usage_request_id_index',
    sql: String.raw`-- Nothing reads usage by request id (a request's details come from requests),
-- and every index costs each inserted row: the event store writes faster without it.
DROP INDEX IF EXISTS usage_request_id_idx;
`,
  },
];
