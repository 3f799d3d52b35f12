-- Raw archive: every response body, zstd-compressed and stored once per distinct content
-- (content-addressed by SHA-256), plus one row per fetched page that points at its body.
CREATE TABLE raw.bodies (
    body_sha256       bytea PRIMARY KEY CHECK (length(body_sha256) = 32),
    raw_bytes         integer NOT NULL,
    compressed_bytes  integer NOT NULL,
    body_zstd         bytea NOT NULL
);

CREATE TABLE raw.pages (
    window_id     bigint  NOT NULL REFERENCES etl.windows ON DELETE CASCADE,
    generation    integer NOT NULL,
    page_index    integer NOT NULL,
    endpoint      text    NOT NULL,
    -- The request's path and query string; never the key or any header.
    request_query text    NOT NULL,
    http_status   integer NOT NULL,
    fetched_at    timestamptz NOT NULL DEFAULT now(),
    body_sha256   bytea   NOT NULL REFERENCES raw.bodies,
    next_page     text,
    PRIMARY KEY (window_id, generation, page_index)
);
CREATE INDEX pages_body_idx ON raw.pages (body_sha256);
