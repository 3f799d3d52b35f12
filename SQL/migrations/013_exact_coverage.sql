-- Exact coverage: every bucket any loaded stream holds is shown once, from the best stream that
-- holds it; overlapping windows of one stream give way to the newest fetch; cost rows keep their
-- currency apart; an admin key's organization is remembered.

-- When the pages of a window's current generation were first fetched, and when the pages whose
-- facts are in the warehouse were. A window's buckets belong to the loaded window of its stream
-- with the newest loaded_fetched_at (then the highest window_id); provisional follows fetched_at.
ALTER TABLE etl.windows ADD COLUMN fetched_at timestamptz, ADD COLUMN loaded_fetched_at timestamptz;
UPDATE etl.windows w SET fetched_at = p.first_fetch
FROM (SELECT window_id, generation, min(fetched_at) AS first_fetch FROM raw.pages GROUP BY window_id, generation) p
WHERE p.window_id = w.window_id AND p.generation = w.generation;
UPDATE etl.windows SET loaded_fetched_at = coalesce(least(fetched_at, loaded_at), loaded_at) WHERE loaded_at IS NOT NULL;
-- Which of two fetches came last, exactly (fetched_at is whole seconds, and two fetches can share
-- one): fetch_seq is drawn when a generation's first page is archived, loaded_fetch_seq is the
-- fetch_seq of the loaded pages.
CREATE SEQUENCE etl.fetch_seq;
ALTER TABLE etl.windows ADD COLUMN fetch_seq bigint, ADD COLUMN loaded_fetch_seq bigint;
UPDATE etl.windows w SET fetch_seq = o.n, loaded_fetch_seq = CASE WHEN w.loaded_fetched_at IS NOT NULL THEN o.n END
FROM (SELECT window_id, row_number() OVER (ORDER BY coalesce(fetched_at, loaded_at, updated_at), window_id) AS n FROM etl.windows) o
WHERE o.window_id = w.window_id;
SELECT setval('etl.fetch_seq', coalesce((SELECT max(fetch_seq) FROM etl.windows), 0) + 1, false);
CREATE INDEX windows_stream_loaded_idx ON etl.windows (stream_id, window_start) WHERE loaded_fetched_at IS NOT NULL;

-- The buckets of a window that no loaded window of the same stream with a later fetch holds: the
-- part of the window a load (of the window's current pages) may replace.
CREATE FUNCTION etl.window_owned_buckets(p_window_id bigint) RETURNS tstzmultirange
LANGUAGE sql STABLE AS $$
    SELECT tstzmultirange(tstzrange(w.window_start, w.window_end))
           - coalesce((SELECT range_agg(tstzrange(o.window_start, o.window_end))
                       FROM etl.windows o
                       WHERE o.stream_id = w.stream_id AND o.window_id <> w.window_id
                         AND o.loaded_fetch_seq IS NOT NULL
                         AND o.window_start < w.window_end AND o.window_end > w.window_start
                         AND (o.loaded_fetch_seq, o.window_id) > (coalesce(w.fetch_seq, 0), w.window_id)), '{}'::tstzmultirange)
    FROM etl.windows w WHERE w.window_id = p_window_id
$$;

-- Loads of overlapping windows of one stream take turns: a transaction-level advisory lock per
-- stream and UTC day the range touches, taken in day order (so two loads never wait on each
-- other in a cycle). The one-bigint key space does not overlap the two-int window claims.
CREATE FUNCTION etl.lock_stream_span(p_stream_id integer, from_ts timestamptz, to_ts timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    day bigint := floor(extract(epoch FROM from_ts) / 86400)::bigint;
    last_day bigint := floor((extract(epoch FROM to_ts) - 1) / 86400)::bigint;
BEGIN
    WHILE day <= last_day LOOP
        PERFORM pg_advisory_xact_lock((p_stream_id::bigint << 32) | day);
        day := day + 1;
    END LOOP;
END
$$;

-- The buckets each stream shows in the contract views: the buckets of its loaded windows, less
-- those a better stream of the same organization, endpoint and width holds. Better: the finer
-- grouping, then the older stream. A filtered stream (some projects, batch only, …) holds part of
-- the usage only, so it never fills the gaps of an unfiltered one: it is shown only where the
-- organization loads that endpoint and width through filtered streams alone.
CREATE VIEW analytics.stream_coverage AS
WITH loaded AS (
    SELECT s.stream_id, s.organization, s.endpoint, s.bucket_width, s.filters,
           range_agg(tstzrange(w.window_start, w.window_end)) AS buckets,
           row_number() OVER (PARTITION BY s.organization, s.endpoint, s.bucket_width
                              ORDER BY (s.filters = '') DESC, cardinality(s.group_by) DESC, s.stream_id) AS preference
    FROM etl.streams s JOIN etl.windows w USING (stream_id)
    WHERE w.loaded_fetched_at IS NOT NULL
    GROUP BY s.stream_id
), eligible AS (
    SELECT l.* FROM loaded l
    WHERE l.filters = '' OR NOT EXISTS (SELECT 1 FROM loaded u WHERE u.filters = '' AND u.organization = l.organization
                                        AND u.endpoint = l.endpoint AND u.bucket_width = l.bucket_width)
)
SELECT l.stream_id, l.organization, l.endpoint, l.bucket_width, l.preference,
       l.buckets - coalesce((SELECT range_agg(b.buckets) FROM eligible b
                             WHERE b.organization = l.organization AND b.endpoint = l.endpoint
                               AND b.bucket_width = l.bucket_width AND b.preference < l.preference),
                            '{}'::tstzmultirange) AS buckets
FROM eligible l;

COMMENT ON VIEW analytics.stream_coverage IS
  'Per stream, the buckets the contract views read from it: each bucket from exactly one stream.';
COMMENT ON VIEW analytics.canonical_streams IS
  'Superseded by analytics.stream_coverage: the contract views now choose a stream per bucket, not per endpoint.';

-- Cost rows of one group in two currencies are two rows: currency is part of the key ('' when
-- the API gives none; the view shows NULL).
UPDATE warehouse.fact_costs SET currency = '' WHERE currency IS NULL;
ALTER TABLE warehouse.fact_costs ALTER COLUMN currency SET DEFAULT '', ALTER COLUMN currency SET NOT NULL;
ALTER TABLE warehouse.fact_costs DROP CONSTRAINT fact_costs_pkey;
ALTER TABLE warehouse.fact_costs ADD PRIMARY KEY (stream_id, bucket_start, project_key, line_item_key, api_key_key, currency);

-- The organization an admin key was found to belong to, by a keyed one-way fingerprint of the
-- key (HMAC-SHA-256 under a random per-warehouse salt): nothing here recovers the key.
-- organization NULL: not known yet (rows filed under the placeholder 'default').
CREATE TABLE etl.fingerprint_salt (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    salt       bytea NOT NULL
);
INSERT INTO etl.fingerprint_salt (salt) VALUES (decode(md5(random()::text || clock_timestamp()::text) || md5(random()::text || pg_backend_pid()::text), 'hex'));
CREATE TABLE etl.key_organizations (
    key_fingerprint  text PRIMARY KEY,
    organization     text,
    learned_at       timestamptz,
    first_seen       timestamptz NOT NULL DEFAULT now()
);

-- The contract views, reading each bucket from the stream that covers it.
CREATE OR REPLACE VIEW analytics.completions_usage AS
SELECT
    o.natural_id AS organization_id,
    f.bucket_start,
    f.bucket_end,
    f.bucket_width,
    d_project.natural_id AS project_id,
    d_user.natural_id AS user_id,
    d_api_key.natural_id AS api_key_id,
    d_model.natural_id AS model,
    CASE d_batch.natural_id WHEN 'true' THEN true WHEN 'false' THEN false END AS batch,
    d_service_tier.natural_id AS service_tier,
    f.input_tokens,
    f.input_cached_tokens,
    f.input_cache_write_tokens,
    f.input_uncached_tokens,
    f.output_tokens,
    f.input_text_tokens,
    f.output_text_tokens,
    f.input_cached_text_tokens,
    f.input_audio_tokens,
    f.input_cached_audio_tokens,
    f.output_audio_tokens,
    f.input_image_tokens,
    f.input_cached_image_tokens,
    f.output_image_tokens,
    f.num_model_requests
FROM warehouse.fact_completions f
JOIN analytics.stream_coverage c ON c.stream_id = f.stream_id AND c.buckets @> f.bucket_start
JOIN warehouse.dim_organization o ON o.organization_key = f.organization_key
JOIN warehouse.dim_project d_project ON d_project.project_key = f.project_key
JOIN warehouse.dim_user d_user ON d_user.user_key = f.user_key
JOIN warehouse.dim_api_key d_api_key ON d_api_key.api_key_key = f.api_key_key
JOIN warehouse.dim_model d_model ON d_model.model_key = f.model_key
JOIN warehouse.dim_batch d_batch ON d_batch.batch_key = f.batch_key
JOIN warehouse.dim_service_tier d_service_tier ON d_service_tier.service_tier_key = f.service_tier_key;

CREATE OR REPLACE VIEW analytics.embeddings_usage AS
SELECT
    o.natural_id AS organization_id,
    f.bucket_start,
    f.bucket_end,
    f.bucket_width,
    d_project.natural_id AS project_id,
    d_user.natural_id AS user_id,
    d_api_key.natural_id AS api_key_id,
    d_model.natural_id AS model,
    f.input_tokens,
    f.num_model_requests
FROM warehouse.fact_embeddings f
JOIN analytics.stream_coverage c ON c.stream_id = f.stream_id AND c.buckets @> f.bucket_start
JOIN warehouse.dim_organization o ON o.organization_key = f.organization_key
JOIN warehouse.dim_project d_project ON d_project.project_key = f.project_key
JOIN warehouse.dim_user d_user ON d_user.user_key = f.user_key
JOIN warehouse.dim_api_key d_api_key ON d_api_key.api_key_key = f.api_key_key
JOIN warehouse.dim_model d_model ON d_model.model_key = f.model_key;

CREATE OR REPLACE VIEW analytics.moderations_usage AS
SELECT
    o.natural_id AS organization_id,
    f.bucket_start,
    f.bucket_end,
    f.bucket_width,
    d_project.natural_id AS project_id,
    d_user.natural_id AS user_id,
    d_api_key.natural_id AS api_key_id,
    d_model.natural_id AS model,
    f.input_tokens,
    f.num_model_requests
FROM warehouse.fact_moderations f
JOIN analytics.stream_coverage c ON c.stream_id = f.stream_id AND c.buckets @> f.bucket_start
JOIN warehouse.dim_organization o ON o.organization_key = f.organization_key
JOIN warehouse.dim_project d_project ON d_project.project_key = f.project_key
JOIN warehouse.dim_user d_user ON d_user.user_key = f.user_key
JOIN warehouse.dim_api_key d_api_key ON d_api_key.api_key_key = f.api_key_key
JOIN warehouse.dim_model d_model ON d_model.model_key = f.model_key;

CREATE OR REPLACE VIEW analytics.images_usage AS
SELECT
    o.natural_id AS organization_id,
    f.bucket_start,
    f.bucket_end,
    f.bucket_width,
    d_project.natural_id AS project_id,
    d_user.natural_id AS user_id,
    d_api_key.natural_id AS api_key_id,
    d_model.natural_id AS model,
    d_image_size.natural_id AS size,
    d_image_source.natural_id AS source,
    f.images,
    f.num_model_requests
FROM warehouse.fact_images f
JOIN analytics.stream_coverage c ON c.stream_id = f.stream_id AND c.buckets @> f.bucket_start
JOIN warehouse.dim_organization o ON o.organization_key = f.organization_key
JOIN warehouse.dim_project d_project ON d_project.project_key = f.project_key
JOIN warehouse.dim_user d_user ON d_user.user_key = f.user_key
JOIN warehouse.dim_api_key d_api_key ON d_api_key.api_key_key = f.api_key_key
JOIN warehouse.dim_model d_model ON d_model.model_key = f.model_key
JOIN warehouse.dim_image_size d_image_size ON d_image_size.image_size_key = f.image_size_key
JOIN warehouse.dim_image_source d_image_source ON d_image_source.image_source_key = f.image_source_key;

CREATE OR REPLACE VIEW analytics.audio_speeches_usage AS
SELECT
    o.natural_id AS organization_id,
    f.bucket_start,
    f.bucket_end,
    f.bucket_width,
    d_project.natural_id AS project_id,
    d_user.natural_id AS user_id,
    d_api_key.natural_id AS api_key_id,
    d_model.natural_id AS model,
    f.characters,
    f.num_model_requests
FROM warehouse.fact_audio_speeches f
JOIN analytics.stream_coverage c ON c.stream_id = f.stream_id AND c.buckets @> f.bucket_start
JOIN warehouse.dim_organization o ON o.organization_key = f.organization_key
JOIN warehouse.dim_project d_project ON d_project.project_key = f.project_key
JOIN warehouse.dim_user d_user ON d_user.user_key = f.user_key
JOIN warehouse.dim_api_key d_api_key ON d_api_key.api_key_key = f.api_key_key
JOIN warehouse.dim_model d_model ON d_model.model_key = f.model_key;

CREATE OR REPLACE VIEW analytics.audio_transcriptions_usage AS
SELECT
    o.natural_id AS organization_id,
    f.bucket_start,
    f.bucket_end,
    f.bucket_width,
    d_project.natural_id AS project_id,
    d_user.natural_id AS user_id,
    d_api_key.natural_id AS api_key_id,
    d_model.natural_id AS model,
    f.seconds,
    f.num_model_requests
FROM warehouse.fact_audio_transcriptions f
JOIN analytics.stream_coverage c ON c.stream_id = f.stream_id AND c.buckets @> f.bucket_start
JOIN warehouse.dim_organization o ON o.organization_key = f.organization_key
JOIN warehouse.dim_project d_project ON d_project.project_key = f.project_key
JOIN warehouse.dim_user d_user ON d_user.user_key = f.user_key
JOIN warehouse.dim_api_key d_api_key ON d_api_key.api_key_key = f.api_key_key
JOIN warehouse.dim_model d_model ON d_model.model_key = f.model_key;

CREATE OR REPLACE VIEW analytics.vector_stores_usage AS
SELECT
    o.natural_id AS organization_id,
    f.bucket_start,
    f.bucket_end,
    f.bucket_width,
    d_project.natural_id AS project_id,
    f.usage_bytes
FROM warehouse.fact_vector_stores f
JOIN analytics.stream_coverage c ON c.stream_id = f.stream_id AND c.buckets @> f.bucket_start
JOIN warehouse.dim_organization o ON o.organization_key = f.organization_key
JOIN warehouse.dim_project d_project ON d_project.project_key = f.project_key;

CREATE OR REPLACE VIEW analytics.code_interpreter_sessions_usage AS
SELECT
    o.natural_id AS organization_id,
    f.bucket_start,
    f.bucket_end,
    f.bucket_width,
    d_project.natural_id AS project_id,
    f.num_sessions
FROM warehouse.fact_code_interpreter_sessions f
JOIN analytics.stream_coverage c ON c.stream_id = f.stream_id AND c.buckets @> f.bucket_start
JOIN warehouse.dim_organization o ON o.organization_key = f.organization_key
JOIN warehouse.dim_project d_project ON d_project.project_key = f.project_key;

CREATE OR REPLACE VIEW analytics.file_search_calls_usage AS
SELECT
    o.natural_id AS organization_id,
    f.bucket_start,
    f.bucket_end,
    f.bucket_width,
    d_project.natural_id AS project_id,
    d_user.natural_id AS user_id,
    d_api_key.natural_id AS api_key_id,
    d_vector_store.natural_id AS vector_store_id,
    f.num_requests
FROM warehouse.fact_file_search_calls f
JOIN analytics.stream_coverage c ON c.stream_id = f.stream_id AND c.buckets @> f.bucket_start
JOIN warehouse.dim_organization o ON o.organization_key = f.organization_key
JOIN warehouse.dim_project d_project ON d_project.project_key = f.project_key
JOIN warehouse.dim_user d_user ON d_user.user_key = f.user_key
JOIN warehouse.dim_api_key d_api_key ON d_api_key.api_key_key = f.api_key_key
JOIN warehouse.dim_vector_store d_vector_store ON d_vector_store.vector_store_key = f.vector_store_key;

CREATE OR REPLACE VIEW analytics.web_search_calls_usage AS
SELECT
    o.natural_id AS organization_id,
    f.bucket_start,
    f.bucket_end,
    f.bucket_width,
    d_project.natural_id AS project_id,
    d_user.natural_id AS user_id,
    d_api_key.natural_id AS api_key_id,
    d_model.natural_id AS model,
    d_context_level.natural_id AS context_level,
    f.num_model_requests,
    f.num_requests
FROM warehouse.fact_web_search_calls f
JOIN analytics.stream_coverage c ON c.stream_id = f.stream_id AND c.buckets @> f.bucket_start
JOIN warehouse.dim_organization o ON o.organization_key = f.organization_key
JOIN warehouse.dim_project d_project ON d_project.project_key = f.project_key
JOIN warehouse.dim_user d_user ON d_user.user_key = f.user_key
JOIN warehouse.dim_api_key d_api_key ON d_api_key.api_key_key = f.api_key_key
JOIN warehouse.dim_model d_model ON d_model.model_key = f.model_key
JOIN warehouse.dim_context_level d_context_level ON d_context_level.context_level_key = f.context_level_key;

CREATE OR REPLACE VIEW analytics.costs AS
SELECT
    o.natural_id AS organization_id,
    f.bucket_start,
    f.bucket_end,
    f.bucket_width,
    d_project.natural_id AS project_id,
    d_line_item.natural_id AS line_item,
    d_api_key.natural_id AS api_key_id,
    f.amount,
    NULLIF(f.currency, '') AS currency,
    f.quantity,
    f.quantity_unit
FROM warehouse.fact_costs f
JOIN analytics.stream_coverage c ON c.stream_id = f.stream_id AND c.buckets @> f.bucket_start
JOIN warehouse.dim_organization o ON o.organization_key = f.organization_key
JOIN warehouse.dim_project d_project ON d_project.project_key = f.project_key
JOIN warehouse.dim_line_item d_line_item ON d_line_item.line_item_key = f.line_item_key
JOIN warehouse.dim_api_key d_api_key ON d_api_key.api_key_key = f.api_key_key;
