-- Conversations of wearable audio streams (services/edge-ingest): one row
-- per conversation, its transcript segments, and the memories extracted
-- from it, in the workspace of the stream that recorded it.
CREATE TABLE IF NOT EXISTS conversations (
  conversation_id text COLLATE "C" PRIMARY KEY,
  workspace text NOT NULL,
  -- The stream owner's user id (from the credential).
  uid text NOT NULL,
  -- The key the stream authenticated with, '' without one.
  key_id text NOT NULL,
  created_at timestamptz NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  language text NOT NULL,
  -- in_progress | processing | completed | failed
  status text NOT NULL,
  -- omi | sync
  source text NOT NULL,
  discarded boolean NOT NULL,
  -- Omi's structured summary; NULL until summarised.
  structured jsonb,
  -- Grows with every change: a write carrying a lower one (a redelivered event) changes nothing.
  revision integer NOT NULL
);
-- Lists read a workspace's (or one user's) conversations newest first.
CREATE INDEX IF NOT EXISTS conversations_workspace_started_idx ON conversations (workspace, started_at DESC, conversation_id DESC);
CREATE INDEX IF NOT EXISTS conversations_workspace_uid_started_idx ON conversations (workspace, uid, started_at DESC, conversation_id DESC);

CREATE TABLE IF NOT EXISTS conversation_segments (
  conversation_id text COLLATE "C" NOT NULL,
  segment_id text COLLATE "C" NOT NULL,
  text text NOT NULL,
  speaker text NOT NULL,
  speaker_id integer NOT NULL,
  is_user boolean NOT NULL,
  person_id text,
  -- Seconds from the conversation's start.
  start_seconds double precision NOT NULL,
  end_seconds double precision NOT NULL,
  speech_profile_processed boolean NOT NULL,
  stt_provider text NOT NULL,
  PRIMARY KEY (conversation_id, segment_id)
);

CREATE TABLE IF NOT EXISTS conversation_memories (
  memory_id text COLLATE "C" PRIMARY KEY,
  conversation_id text COLLATE "C" NOT NULL,
  content text NOT NULL,
  category text NOT NULL
);
CREATE INDEX IF NOT EXISTS conversation_memories_conversation_idx ON conversation_memories (conversation_id);
