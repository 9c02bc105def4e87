-- Events a store refused for their content (a value Postgres cannot hold, an
-- event over the size bound), set aside so that the rest of their batch, and
-- every event after it, is written. One row per event and refusing sink.
CREATE TABLE IF NOT EXISTS dead_letters (
  event_id text NOT NULL,
  sink text NOT NULL,
  -- The protobuf message type of payload, e.g. switchyard.events.v1.RequestCompleted.
  event_type text NOT NULL,
  -- The event as it travels on Kafka (protobuf binary): decodable and replayable.
  payload bytea NOT NULL,
  reason text NOT NULL,
  error text NOT NULL,
  request_id text NOT NULL,
  dead_lettered_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, sink)
);
CREATE INDEX IF NOT EXISTS dead_letters_dead_lettered_at_idx ON dead_letters (dead_lettered_at);
