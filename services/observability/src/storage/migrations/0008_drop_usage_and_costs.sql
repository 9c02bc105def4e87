-- Every request's tokens and cost are on its record in `requests`
-- (input/output cost parts and price source since migration 0007), and the
-- gateway publishes one event per request. The `usage` and `costs` tables
-- repeated those facts and nothing read them: they go.
DROP TABLE IF EXISTS usage;
DROP TABLE IF EXISTS costs;
-- When a CostRecorded last re-priced the request (a cost recomputed after
-- a price change); NULL while it has the price it was recorded with.
ALTER TABLE requests ADD COLUMN IF NOT EXISTS priced_at timestamptz;
