-- Who answered each request: `provider` when a deployment did (or was tried
-- last), a plugin's name (`cache`) when it answered in a provider's place,
-- empty when neither; the plugin's kind of answer; and the facts the
-- request's plugins recorded. Rows written before the columns existed were
-- all answered by providers or by nobody, and carry no plugin facts.
ALTER TABLE requests ADD COLUMN IF NOT EXISTS served_by text NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN IF NOT EXISTS served_by_detail text NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN IF NOT EXISTS annotations jsonb NOT NULL DEFAULT '{}';
