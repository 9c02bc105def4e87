-- Whether a request's tokens (and cost) were estimated by the gateway, because
-- its stream was cut before the provider reported usage. Rows written before
-- the column existed carried provider-reported usage, or none.
ALTER TABLE requests ADD COLUMN IF NOT EXISTS usage_estimated boolean NOT NULL DEFAULT false;
