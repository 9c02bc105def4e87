-- Provider credentials (API keys of OpenAI, Anthropic…), sealed in envelopes: each value
-- encrypted with a data key of its own (AES-256-GCM), the data key wrapped by the master key
-- `key_id`. Nothing here decrypts without the master key, which is never stored.
CREATE TABLE provider_credentials (
  id text PRIMARY KEY,
  workspace text NOT NULL,
  provider text NOT NULL,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text NOT NULL,
  key_id text NOT NULL,
  wrapped_key text NOT NULL,
  iv text NOT NULL,
  tag text NOT NULL,
  ciphertext text NOT NULL,
  UNIQUE (workspace, name)
);

CREATE INDEX provider_credentials_key_id ON provider_credentials (key_id);
