-- The audit trail: one hash chain of records, and signed checkpoints of its head.
-- Both tables are append-only: the triggers below refuse UPDATE, DELETE and TRUNCATE,
-- so changing history takes someone who can also drop triggers (and the chain then
-- shows it: see `switchyard audit verify`).
CREATE TABLE audit_records (
  sequence bigint PRIMARY KEY,
  occurred_at timestamptz NOT NULL,
  actor_kind text NOT NULL,
  actor_subject text NOT NULL,
  actor_key_id text NOT NULL,
  actor_organization text NOT NULL,
  action text NOT NULL,
  outcome text NOT NULL,
  workspace text,
  target_type text,
  target_id text,
  source_ip text,
  source_user_agent text,
  before jsonb,
  after jsonb,
  reason text,
  request_id text,
  previous_hash text NOT NULL,
  hash text NOT NULL UNIQUE
);

CREATE INDEX audit_records_occurred_at ON audit_records (occurred_at);
CREATE INDEX audit_records_workspace ON audit_records (workspace, sequence);

-- No foreign key to audit_records: a checkpoint that outlives the records it vouched for is the evidence.
CREATE TABLE audit_checkpoints (
  sequence bigint PRIMARY KEY,
  head_hash text NOT NULL,
  signed_at timestamptz NOT NULL,
  key_id text NOT NULL,
  signature text NOT NULL
);

CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'The audit table % is append-only: % is not allowed.', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
