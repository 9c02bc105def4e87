-- Prompts: named per workspace, each a list of immutable versions, and labels (`production`,
-- `staging`, custom, and the automatic `latest`) that point at one version and move atomically,
-- every move kept in the label history (rollback reads it).
CREATE TABLE prompts (
  workspace_id text NOT NULL REFERENCES workspaces (id),
  name text NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, name)
);

CREATE TABLE prompt_versions (
  workspace_id text NOT NULL,
  name text NOT NULL,
  version integer NOT NULL CHECK (version > 0),
  type text NOT NULL CHECK (type IN ('text', 'chat')),
  -- A string (text) or an array of {role, content} (chat), checked by the template engine before insert.
  template jsonb NOT NULL,
  variables jsonb NOT NULL DEFAULT '{}'::jsonb,
  config jsonb NOT NULL DEFAULT '{}'::jsonb,
  commit_message text NOT NULL DEFAULT '',
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, name, version),
  FOREIGN KEY (workspace_id, name) REFERENCES prompts (workspace_id, name)
);

-- A version, once written, is what every request and evaluation that named it used: never changed.
CREATE FUNCTION prompt_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'prompt versions are immutable: create a new version instead' USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER prompt_versions_immutable BEFORE UPDATE OR DELETE ON prompt_versions
  FOR EACH ROW EXECUTE FUNCTION prompt_versions_immutable();

CREATE TABLE prompt_labels (
  workspace_id text NOT NULL,
  name text NOT NULL,
  label text NOT NULL,
  version integer NOT NULL,
  moved_by text NOT NULL,
  moved_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, name, label),
  FOREIGN KEY (workspace_id, name, version) REFERENCES prompt_versions (workspace_id, name, version)
);

-- Every label move, oldest first by id; `from_version` is NULL when the label was new.
CREATE TABLE prompt_label_moves (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id text NOT NULL,
  name text NOT NULL,
  label text NOT NULL,
  from_version integer,
  to_version integer NOT NULL,
  -- version_created: set by the version's creation (always `latest`); moved: a PUT; rollback: back to the one before.
  reason text NOT NULL CHECK (reason IN ('version_created', 'moved', 'rollback')),
  moved_by text NOT NULL,
  moved_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (workspace_id, name) REFERENCES prompts (workspace_id, name)
);
CREATE INDEX prompt_label_moves_label ON prompt_label_moves (workspace_id, name, label, id);
