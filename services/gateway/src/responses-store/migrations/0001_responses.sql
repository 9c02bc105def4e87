-- Stored Responses API state: each response with the input it was given and the output it produced,
-- so `previous_response_id` can replay a conversation to providers that keep no state of their own.
CREATE TABLE IF NOT EXISTS responses (
  id text PRIMARY KEY,
  workspace text NOT NULL,
  created_at timestamptz NOT NULL,
  previous_response_id text,
  -- The request's `user`, so an end user's data can be found and deleted.
  end_user text NOT NULL DEFAULT '',
  input_items jsonb NOT NULL,
  output_items jsonb NOT NULL,
  -- The Response object as the client received it.
  response jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS responses_workspace_created ON responses (workspace, created_at);
