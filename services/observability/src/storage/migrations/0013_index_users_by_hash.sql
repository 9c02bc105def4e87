-- A B-tree entry holds at most about 2.7 kB, and a request's user id is as
-- long as `server.limits.userMaxLength` lets a client send: one long enough
-- would make its record unstorable under a B-tree index on user_id. Hash
-- indexes serve the same equality lookups (a user's records, their deletion)
-- for values of any length.
DROP INDEX IF EXISTS requests_workspace_user_idx;
CREATE INDEX IF NOT EXISTS requests_user_id_hash_idx ON requests USING hash (user_id);
DROP INDEX IF EXISTS cold_storage_request_ids_user_idx;
CREATE INDEX IF NOT EXISTS cold_storage_request_ids_user_id_hash_idx ON cold_storage_request_ids USING hash (user_id);
