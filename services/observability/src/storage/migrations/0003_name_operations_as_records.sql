-- One spelling of each operation everywhere (records, rows, InfluxDB tags,
-- metric labels): the record's `chat.completion` and `embeddings`, where
-- rows stored the enum's lower-case names.
UPDATE requests SET operation = 'chat.completion' WHERE operation = 'chat_completion';
UPDATE requests SET operation = 'embeddings' WHERE operation = 'embedding';
