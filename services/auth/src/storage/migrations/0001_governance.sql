-- Organizations own workspaces; workspace ids are what events, keys and limits name,
-- so they are unique across organizations.
CREATE TABLE organizations (
  id text PRIMARY KEY,
  display_name text NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE workspaces (
  id text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations (id),
  display_name text NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workspaces_organization ON workspaces (organization_id);

-- A role held by a subject (a user id, an email, an OIDC `sub`) in an organization
-- (workspace_id NULL) or in one of its workspaces.
CREATE TABLE members (
  id text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations (id),
  workspace_id text REFERENCES workspaces (id),
  subject text NOT NULL,
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'developer', 'viewer')),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX members_identity ON members (organization_id, COALESCE(workspace_id, ''), subject);
CREATE INDEX members_subject ON members (subject);

-- Virtual API keys. The key itself is never stored: only its HMAC-SHA256 under the
-- server's key hash secret (hex), and a short prefix to recognise it by.
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  workspace_id text NOT NULL REFERENCES workspaces (id),
  name text NOT NULL,
  display_prefix text NOT NULL,
  hmac text NOT NULL UNIQUE,
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'developer', 'viewer')),
  scopes jsonb NOT NULL DEFAULT '{}'::jsonb,
  expires_at timestamptz,
  revoked_at timestamptz,
  -- Set when the key was rotated: the key that replaces it, and until when this one still works.
  replaced_by text REFERENCES api_keys (id),
  rotation_overlap_ends_at timestamptz,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);
CREATE INDEX api_keys_workspace ON api_keys (workspace_id, created_at);

-- Server secrets generated on first start when none is configured (embedded mode).
CREATE TABLE auth_settings (
  name text PRIMARY KEY,
  value text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
