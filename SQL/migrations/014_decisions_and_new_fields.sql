-- The API as of the reference of 2026-11: decisions usage, the api_source dimension, the
-- cache-write split on completions; and result fields the catalog does not know, counted per window.
-- After applying: the completions columns input_cache_write_30m_tokens and input_cache_write_12h_tokens are empty for rows loaded before; `usage-etl replay --since DATE --until DATE` over the loaded history fills them from the archive, with no API request.
-- After applying: an older usage-etl cannot refetch completions into this schema; upgrade every scheduled host before its next run.

-- api_source: 'agents_api' / 'unlabeled' when grouped (decisions); carried, never grouped, by completions.
CREATE TABLE warehouse.dim_api_source (
    api_source_key  integer PRIMARY KEY,
    natural_id  text UNIQUE,
    kind        text NOT NULL,
    name        text,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    CHECK (warehouse.dimension_kind_ok(api_source_key, natural_id, kind))
);
CREATE SEQUENCE warehouse.dim_api_source_seq START 1 OWNED BY warehouse.dim_api_source.api_source_key;
ALTER TABLE warehouse.dim_api_source ALTER COLUMN api_source_key SET DEFAULT nextval('warehouse.dim_api_source_seq');
INSERT INTO warehouse.dim_api_source (api_source_key, natural_id, kind) VALUES (0, NULL, 'not_grouped'), (-1, NULL, 'none');

-- Completions: the new columns are appended (existing rows: not grouped by api_source, split
-- unknown until `usage-etl replay` fills it from the archived pages), and api_source joins the key.
ALTER TABLE warehouse.fact_completions
    ADD COLUMN input_cache_write_30m_tokens bigint,
    ADD COLUMN input_cache_write_12h_tokens bigint,
    ADD COLUMN api_source_key integer NOT NULL DEFAULT 0;
ALTER TABLE warehouse.fact_completions DROP CONSTRAINT fact_completions_pkey;
ALTER TABLE warehouse.fact_completions
    ADD PRIMARY KEY (stream_id, bucket_start, project_key, user_key, api_key_key, model_key, batch_key, service_tier_key, api_source_key);

-- /organization/usage/decisions
CREATE TABLE warehouse.fact_decisions (
    stream_id         integer NOT NULL,
    organization_key  integer NOT NULL,
    bucket_start      timestamptz NOT NULL,
    bucket_end        timestamptz NOT NULL,
    bucket_width      text NOT NULL,
    project_key       integer NOT NULL,
    user_key          integer NOT NULL,
    api_key_key       integer NOT NULL,
    model_key         integer NOT NULL,
    batch_key         integer NOT NULL,
    service_tier_key  integer NOT NULL,
    api_source_key    integer NOT NULL,
    input_tokens                  bigint NOT NULL,
    input_cached_tokens           bigint,
    input_cache_write_tokens      bigint,
    input_uncached_tokens         bigint,
    input_cache_write_30m_tokens  bigint,
    input_cache_write_12h_tokens  bigint,
    output_tokens                 bigint NOT NULL,
    input_text_tokens             bigint,
    output_text_tokens            bigint,
    input_cached_text_tokens      bigint,
    input_audio_tokens            bigint,
    input_cached_audio_tokens     bigint,
    output_audio_tokens           bigint,
    input_image_tokens            bigint,
    input_cached_image_tokens     bigint,
    output_image_tokens           bigint,
    num_model_requests            bigint NOT NULL,
    PRIMARY KEY (stream_id, bucket_start, project_key, user_key, api_key_key, model_key, batch_key, service_tier_key, api_source_key)
) PARTITION BY RANGE (bucket_start);

-- Result fields the loader's catalog did not know, per loaded window and bucket: how many results
-- of the bucket carried each. Replaced with every load of the window; `usage-etl status` counts each
-- bucket once, from the stream and window the contract views read it from.
CREATE TABLE etl.window_unknown_fields (
    window_id     bigint NOT NULL REFERENCES etl.windows ON DELETE CASCADE,
    field         text NOT NULL,
    bucket_start  timestamptz NOT NULL,
    results       bigint NOT NULL,
    PRIMARY KEY (window_id, field, bucket_start)
);
