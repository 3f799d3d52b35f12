-- Fact tables: one per endpoint, one row per (stream, bucket, grouped dimension values).
-- Partitioned by month of bucket start; no foreign keys (the loader resolves every key through
-- the dimension tables in the same transaction, and FK checks would halve COPY speed);
-- warehouse.ensure_month_partitions creates partitions
-- before a load. Dimension keys are never NULL (0 = not grouped, -1 = API answered null).
CREATE FUNCTION warehouse.ensure_month_partitions(parent text, from_ts timestamptz, to_ts timestamptz)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    month_start timestamptz := date_trunc('month', from_ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    created integer := 0;
    child text;
BEGIN
    WHILE month_start < to_ts LOOP
        child := parent || '_' || to_char(month_start AT TIME ZONE 'UTC', 'YYYYMM');
        IF to_regclass('warehouse.' || child) IS NULL THEN
            EXECUTE format('CREATE TABLE IF NOT EXISTS warehouse.%I PARTITION OF warehouse.%I FOR VALUES FROM (%L) TO (%L)',
                           child, parent, month_start,
                           (month_start AT TIME ZONE 'UTC' + interval '1 month') AT TIME ZONE 'UTC');
            created := created + 1;
        END IF;
        month_start := (month_start AT TIME ZONE 'UTC' + interval '1 month') AT TIME ZONE 'UTC';
    END LOOP;
    RETURN created;
END
$$;

-- /organization/usage/completions
CREATE TABLE warehouse.fact_completions (
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
    input_tokens              bigint NOT NULL,
    input_cached_tokens       bigint,
    input_cache_write_tokens  bigint,
    input_uncached_tokens     bigint,
    output_tokens             bigint NOT NULL,
    input_text_tokens         bigint,
    output_text_tokens        bigint,
    input_cached_text_tokens  bigint,
    input_audio_tokens        bigint,
    input_cached_audio_tokens bigint,
    output_audio_tokens       bigint,
    input_image_tokens        bigint,
    input_cached_image_tokens bigint,
    output_image_tokens       bigint,
    num_model_requests        bigint NOT NULL,
    PRIMARY KEY (stream_id, bucket_start, project_key, user_key, api_key_key, model_key, batch_key, service_tier_key)
) PARTITION BY RANGE (bucket_start);

-- /organization/usage/embeddings
CREATE TABLE warehouse.fact_embeddings (
    stream_id         integer NOT NULL,
    organization_key  integer NOT NULL,
    bucket_start      timestamptz NOT NULL,
    bucket_end        timestamptz NOT NULL,
    bucket_width      text NOT NULL,
    project_key       integer NOT NULL,
    user_key          integer NOT NULL,
    api_key_key       integer NOT NULL,
    model_key         integer NOT NULL,
    input_tokens              bigint NOT NULL,
    num_model_requests        bigint NOT NULL,
    PRIMARY KEY (stream_id, bucket_start, project_key, user_key, api_key_key, model_key)
) PARTITION BY RANGE (bucket_start);

-- /organization/usage/moderations
CREATE TABLE warehouse.fact_moderations (
    stream_id         integer NOT NULL,
    organization_key  integer NOT NULL,
    bucket_start      timestamptz NOT NULL,
    bucket_end        timestamptz NOT NULL,
    bucket_width      text NOT NULL,
    project_key       integer NOT NULL,
    user_key          integer NOT NULL,
    api_key_key       integer NOT NULL,
    model_key         integer NOT NULL,
    input_tokens              bigint NOT NULL,
    num_model_requests        bigint NOT NULL,
    PRIMARY KEY (stream_id, bucket_start, project_key, user_key, api_key_key, model_key)
) PARTITION BY RANGE (bucket_start);

-- /organization/usage/images
CREATE TABLE warehouse.fact_images (
    stream_id         integer NOT NULL,
    organization_key  integer NOT NULL,
    bucket_start      timestamptz NOT NULL,
    bucket_end        timestamptz NOT NULL,
    bucket_width      text NOT NULL,
    project_key       integer NOT NULL,
    user_key          integer NOT NULL,
    api_key_key       integer NOT NULL,
    model_key         integer NOT NULL,
    image_size_key    integer NOT NULL,
    image_source_key  integer NOT NULL,
    images                    bigint NOT NULL,
    num_model_requests        bigint NOT NULL,
    PRIMARY KEY (stream_id, bucket_start, project_key, user_key, api_key_key, model_key, image_size_key, image_source_key)
) PARTITION BY RANGE (bucket_start);

-- /organization/usage/audio_speeches
CREATE TABLE warehouse.fact_audio_speeches (
    stream_id         integer NOT NULL,
    organization_key  integer NOT NULL,
    bucket_start      timestamptz NOT NULL,
    bucket_end        timestamptz NOT NULL,
    bucket_width      text NOT NULL,
    project_key       integer NOT NULL,
    user_key          integer NOT NULL,
    api_key_key       integer NOT NULL,
    model_key         integer NOT NULL,
    characters                bigint NOT NULL,
    num_model_requests        bigint NOT NULL,
    PRIMARY KEY (stream_id, bucket_start, project_key, user_key, api_key_key, model_key)
) PARTITION BY RANGE (bucket_start);

-- /organization/usage/audio_transcriptions
CREATE TABLE warehouse.fact_audio_transcriptions (
    stream_id         integer NOT NULL,
    organization_key  integer NOT NULL,
    bucket_start      timestamptz NOT NULL,
    bucket_end        timestamptz NOT NULL,
    bucket_width      text NOT NULL,
    project_key       integer NOT NULL,
    user_key          integer NOT NULL,
    api_key_key       integer NOT NULL,
    model_key         integer NOT NULL,
    seconds                   bigint NOT NULL,
    num_model_requests        bigint NOT NULL,
    PRIMARY KEY (stream_id, bucket_start, project_key, user_key, api_key_key, model_key)
) PARTITION BY RANGE (bucket_start);

-- /organization/usage/vector_stores
CREATE TABLE warehouse.fact_vector_stores (
    stream_id         integer NOT NULL,
    organization_key  integer NOT NULL,
    bucket_start      timestamptz NOT NULL,
    bucket_end        timestamptz NOT NULL,
    bucket_width      text NOT NULL,
    project_key       integer NOT NULL,
    usage_bytes               bigint NOT NULL,
    PRIMARY KEY (stream_id, bucket_start, project_key)
) PARTITION BY RANGE (bucket_start);

-- /organization/usage/code_interpreter_sessions
CREATE TABLE warehouse.fact_code_interpreter_sessions (
    stream_id         integer NOT NULL,
    organization_key  integer NOT NULL,
    bucket_start      timestamptz NOT NULL,
    bucket_end        timestamptz NOT NULL,
    bucket_width      text NOT NULL,
    project_key       integer NOT NULL,
    num_sessions              bigint NOT NULL,
    PRIMARY KEY (stream_id, bucket_start, project_key)
) PARTITION BY RANGE (bucket_start);

-- /organization/usage/file_search_calls
CREATE TABLE warehouse.fact_file_search_calls (
    stream_id         integer NOT NULL,
    organization_key  integer NOT NULL,
    bucket_start      timestamptz NOT NULL,
    bucket_end        timestamptz NOT NULL,
    bucket_width      text NOT NULL,
    project_key       integer NOT NULL,
    user_key          integer NOT NULL,
    api_key_key       integer NOT NULL,
    vector_store_key  integer NOT NULL,
    num_requests              bigint NOT NULL,
    PRIMARY KEY (stream_id, bucket_start, project_key, user_key, api_key_key, vector_store_key)
) PARTITION BY RANGE (bucket_start);

-- /organization/usage/web_search_calls
CREATE TABLE warehouse.fact_web_search_calls (
    stream_id         integer NOT NULL,
    organization_key  integer NOT NULL,
    bucket_start      timestamptz NOT NULL,
    bucket_end        timestamptz NOT NULL,
    bucket_width      text NOT NULL,
    project_key       integer NOT NULL,
    user_key          integer NOT NULL,
    api_key_key       integer NOT NULL,
    model_key         integer NOT NULL,
    context_level_key integer NOT NULL,
    num_model_requests        bigint NOT NULL,
    num_requests              bigint NOT NULL,
    PRIMARY KEY (stream_id, bucket_start, project_key, user_key, api_key_key, model_key, context_level_key)
) PARTITION BY RANGE (bucket_start);

-- /organization/costs (amount and quantity exact numeric, parsed from the JSON text)
CREATE TABLE warehouse.fact_costs (
    stream_id         integer NOT NULL,
    organization_key  integer NOT NULL,
    bucket_start      timestamptz NOT NULL,
    bucket_end        timestamptz NOT NULL,
    bucket_width      text NOT NULL,
    project_key       integer NOT NULL,
    line_item_key     integer NOT NULL,
    api_key_key       integer NOT NULL,
    amount                    numeric,
    currency                  text,
    quantity                  numeric,
    quantity_unit             text,
    PRIMARY KEY (stream_id, bucket_start, project_key, line_item_key, api_key_key)
) PARTITION BY RANGE (bucket_start);
