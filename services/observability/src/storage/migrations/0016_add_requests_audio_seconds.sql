-- Audio transcriptions: the seconds of audio transcribed (the provider's count, or the gateway's from a
-- WAV header); 0 when unknown or not audio. Per-minute prices are checked against it.
ALTER TABLE requests ADD COLUMN IF NOT EXISTS audio_seconds double precision NOT NULL DEFAULT 0;
