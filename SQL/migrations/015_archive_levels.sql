-- The zstd level each archived body is compressed at: bodies are archived at the fast default (3)
-- while a run fetches them; `usage-etl archive compact` compresses those of closed months again at
-- a high level (same bytes once decompressed, same SHA-256) and records it here.
ALTER TABLE raw.bodies ADD COLUMN zstd_level smallint NOT NULL DEFAULT 3;
