-- A stream is one endpoint loaded at one bucket width, grouping and filter set, for one
-- organization. Every window and every fact row belongs to exactly one stream, so two
-- pipelines loading the same endpoint differently never overwrite each other's rows.
CREATE TABLE etl.streams (
    stream_id     integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization  text    NOT NULL,
    endpoint      text    NOT NULL,
    bucket_width  text    NOT NULL CHECK (bucket_width IN ('1m', '1h', '1d')),
    group_by      text[]  NOT NULL,           -- sorted field names
    filters       text    NOT NULL DEFAULT '', -- canonical query string of the filters
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization, endpoint, bucket_width, group_by, filters)
);

-- A window is one request range of a stream, fetched page by page with a checkpointed cursor.
CREATE TABLE etl.windows (
    window_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream_id     integer NOT NULL REFERENCES etl.streams,
    window_start  timestamptz NOT NULL,
    window_end    timestamptz NOT NULL CHECK (window_end > window_start),
    state         text NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'running', 'done', 'failed')),
    attempts      integer NOT NULL DEFAULT 0,
    last_error    text,
    -- Fetch generation: bumped whenever the window restarts from its first page.
    generation    integer NOT NULL DEFAULT 0,
    -- Cursor for the next page to fetch in this generation; NULL with pages_fetched = 0 means "start".
    next_page     text,
    pages_fetched integer NOT NULL DEFAULT 0,
    -- True when the window holds buckets that had not settled when it was loaded.
    provisional   boolean NOT NULL DEFAULT false,
    rows_loaded   bigint,
    loaded_at     timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream_id, window_start, window_end)
);
CREATE INDEX windows_state_idx ON etl.windows (state, stream_id);

-- One row per invocation of backfill, sync, rerun or replay.
CREATE TABLE etl.runs (
    run_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    command         text NOT NULL,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    outcome         text CHECK (outcome IN ('running', 'succeeded', 'partial', 'failed', 'interrupted')),
    windows_done    integer NOT NULL DEFAULT 0,
    windows_failed  integer NOT NULL DEFAULT 0,
    pages           integer NOT NULL DEFAULT 0,
    rows_loaded     bigint  NOT NULL DEFAULT 0,
    bytes_fetched   bigint  NOT NULL DEFAULT 0,
    errors          text[]  NOT NULL DEFAULT '{}',
    pid             integer,
    host            text
);
