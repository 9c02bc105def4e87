-- Nothing reads usage by request id (a request's details come from requests),
-- and every index costs each inserted row: the event store writes faster without it.
DROP INDEX IF EXISTS usage_request_id_idx;
