-- Cold storage: request records moved to S3-compatible object storage
-- (services/observability/src/cold-storage/). One row per object written and
-- verified; a record is deleted from requests in the same transaction that
-- adds its object here, so every record is in exactly one of the two. Queries
-- read only the objects listed here: an object whose row never committed (an
-- export cut short) is never read, and the next export writes its records again.
CREATE TABLE IF NOT EXISTS cold_storage_objects (
  -- The object's key in the bucket (prefix included).
  object_key text COLLATE "C" PRIMARY KEY,
  workspace text NOT NULL,
  -- The UTC day every record of the object occurred on.
  day date NOT NULL,
  records bigint NOT NULL,
  -- Of the gzip object as stored, and its SHA-256 (hex), checked on every read.
  bytes bigint NOT NULL,
  sha256 text NOT NULL,
  first_occurred_at timestamptz NOT NULL,
  last_occurred_at timestamptz NOT NULL,
  exported_at timestamptz NOT NULL DEFAULT now()
);

-- The objects a query's workspaces and days reach.
CREATE INDEX IF NOT EXISTS cold_storage_objects_workspace_day_idx ON cold_storage_objects (workspace, day);
CREATE INDEX IF NOT EXISTS cold_storage_objects_day_idx ON cold_storage_objects (day);

-- Which object holds an exported request id, and for which end user, so
-- GET /v1/requests/{id} opens one object instead of every one, and deleting
-- a user's data rewrites only the objects that hold their records. A few
-- dozen bytes per record, against the kilobyte or so the record itself kept
-- in requests.
CREATE TABLE IF NOT EXISTS cold_storage_request_ids (
  object_key text COLLATE "C" NOT NULL REFERENCES cold_storage_objects (object_key) ON DELETE CASCADE,
  request_id text NOT NULL,
  user_id text NOT NULL,
  PRIMARY KEY (object_key, request_id, user_id)
);

CREATE INDEX IF NOT EXISTS cold_storage_request_ids_request_idx ON cold_storage_request_ids (request_id);
CREATE INDEX IF NOT EXISTS cold_storage_request_ids_user_idx ON cold_storage_request_ids (user_id);
