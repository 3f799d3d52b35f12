-- Contract views for analysts: one per endpoint, natural ids instead of surrogate keys, the
-- API's own column names. These names are a public contract.
--
-- No double counting: when several streams (pipelines with other groupings or filters) hold the
-- same endpoint, bucket width and bucket, a view shows the rows of exactly one of them: the
-- unfiltered stream with the finest grouping (then the oldest). Different bucket widths are
-- distinguished by the bucket_width column; filter on it before summing.
CREATE VIEW analytics.canonical_streams AS
SELECT DISTINCT ON (organization, endpoint, bucket_width) stream_id, organization, endpoint, bucket_width
FROM etl.streams
ORDER BY organization, endpoint, bucket_width, (filters = '') DESC, cardinality(group_by) DESC, stream_id;

COMMENT ON VIEW analytics.canonical_streams IS
  'The one stream per organization, endpoint and width that the contract views read from.';

CREATE VIEW analytics.completions_usage AS
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
JOIN analytics.canonical_streams c ON c.stream_id = f.stream_id
JOIN warehouse.dim_organization o ON o.organization_key = f.organization_key
JOIN warehouse.dim_project d_project ON d_project.project_key = f.project_key
JOIN warehouse.dim_user d_user ON d_user.user_key = f.user_key
JOIN warehouse.dim_api_key d_api_key ON d_api_key.api_key_key = f.api_key_key
JOIN warehouse.dim_model d_model ON d_model.model_key = f.model_key
JOIN warehouse.dim_batch d_batch ON d_batch.batch_key = f.batch_key
JOIN warehouse.dim_service_tier d_service_tier ON d_service_tier.service_tier_key = f.service_tier_key;

CREATE VIEW analytics.embeddings_usage AS
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
JOIN analytics.canonical_streams c ON c.stream_id = f.stream_id
JOIN warehouse.dim_organization o ON o.organization_key = f.organization_key
JOIN warehouse.dim_project d_project ON d_project.project_key = f.project_key
JOIN warehouse.dim_user d_user ON d_user.user_key = f.user_key
JOIN warehouse.dim_api_key d_api_key ON d_api_key.api_key_key = f.api_key_key
JOIN warehouse.dim_model d_model ON d_model.model_key = f.model_key;

CREATE VIEW analytics.moderations_usage AS
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
JOIN analytics.canonical_streams c ON c.stream_id = f.stream_id
JOIN warehouse.dim_organization o ON o.organization_key = f.organization_key
JOIN warehouse.dim_project d_project ON d_project.project_key = f.project_key
JOIN warehouse.dim_user d_user ON d_user.user_key = f.user_key
JOIN warehouse.dim_api_key d_api_key ON d_api_key.api_key_key = f.api_key_key
JOIN warehouse.dim_model d_model ON d_model.model_key = f.model_key;

CREATE VIEW analytics.images_usage AS
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
JOIN analytics.canonical_streams c ON c.stream_id = f.stream_id
JOIN warehouse.dim_organization o ON o.organization_key = f.organization_key
JOIN warehouse.dim_project d_project ON d_project.project_key = f.project_key
JOIN warehouse.dim_user d_user ON d_user.user_key = f.user_key
JOIN warehouse.dim_api_key d_api_key ON d_api_key.api_key_key = f.api_key_key
JOIN warehouse.dim_model d_model ON d_model.model_key = f.model_key
JOIN warehouse.dim_image_size d_image_size ON d_image_size.image_size_key = f.image_size_key
JOIN warehouse.dim_image_source d_image_source ON d_image_source.image_source_key = f.image_source_key;

CREATE VIEW analytics.audio_speeches_usage AS
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
JOIN analytics.canonical_streams c ON c.stream_id = f.stream_id
JOIN warehouse.dim_organization o ON o.organization_key = f.organization_key
JOIN warehouse.dim_project d_project ON d_project.project_key = f.project_key
JOIN warehouse.dim_user d_user ON d_user.user_key = f.user_key
JOIN warehouse.dim_api_key d_api_key ON d_api_key.api_key_key = f.api_key_key
JOIN warehouse.dim_model d_model ON d_model.model_key = f.model_key;

CREATE VIEW analytics.audio_transcriptions_usage AS
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
JOIN analytics.canonical_streams c ON c.stream_id = f.stream_id
JOIN warehouse.dim_organization o ON o.organization_key = f.organization_key
JOIN warehouse.dim_project d_project ON d_project.project_key = f.project_key
JOIN warehouse.dim_user d_user ON d_user.user_key = f.user_key
JOIN warehouse.dim_api_key d_api_key ON d_api_key.api_key_key = f.api_key_key
JOIN warehouse.dim_model d_model ON d_model.model_key = f.model_key;

CREATE VIEW analytics.vector_stores_usage AS
SELECT
    o.natural_id AS organization_id,
    f.bucket_start,
    f.bucket_end,
    f.bucket_width,
    d_project.natural_id AS project_id,
    f.usage_bytes
FROM warehouse.fact_vector_stores f
JOIN analytics.canonical_streams c ON c.stream_id = f.stream_id
JOIN warehouse.dim_organization o ON o.organization_key = f.organization_key
JOIN warehouse.dim_project d_project ON d_project.project_key = f.project_key;

CREATE VIEW analytics.code_interpreter_sessions_usage AS
SELECT
    o.natural_id AS organization_id,
    f.bucket_start,
    f.bucket_end,
    f.bucket_width,
    d_project.natural_id AS project_id,
    f.num_sessions
FROM warehouse.fact_code_interpreter_sessions f
JOIN analytics.canonical_streams c ON c.stream_id = f.stream_id
JOIN warehouse.dim_organization o ON o.organization_key = f.organization_key
JOIN warehouse.dim_project d_project ON d_project.project_key = f.project_key;

CREATE VIEW analytics.file_search_calls_usage AS
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
JOIN analytics.canonical_streams c ON c.stream_id = f.stream_id
JOIN warehouse.dim_organization o ON o.organization_key = f.organization_key
JOIN warehouse.dim_project d_project ON d_project.project_key = f.project_key
JOIN warehouse.dim_user d_user ON d_user.user_key = f.user_key
JOIN warehouse.dim_api_key d_api_key ON d_api_key.api_key_key = f.api_key_key
JOIN warehouse.dim_vector_store d_vector_store ON d_vector_store.vector_store_key = f.vector_store_key;

CREATE VIEW analytics.web_search_calls_usage AS
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
JOIN analytics.canonical_streams c ON c.stream_id = f.stream_id
JOIN warehouse.dim_organization o ON o.organization_key = f.organization_key
JOIN warehouse.dim_project d_project ON d_project.project_key = f.project_key
JOIN warehouse.dim_user d_user ON d_user.user_key = f.user_key
JOIN warehouse.dim_api_key d_api_key ON d_api_key.api_key_key = f.api_key_key
JOIN warehouse.dim_model d_model ON d_model.model_key = f.model_key
JOIN warehouse.dim_context_level d_context_level ON d_context_level.context_level_key = f.context_level_key;

CREATE VIEW analytics.costs AS
SELECT
    o.natural_id AS organization_id,
    f.bucket_start,
    f.bucket_end,
    f.bucket_width,
    d_project.natural_id AS project_id,
    d_line_item.natural_id AS line_item,
    d_api_key.natural_id AS api_key_id,
    f.amount,
    f.currency,
    f.quantity,
    f.quantity_unit
FROM warehouse.fact_costs f
JOIN analytics.canonical_streams c ON c.stream_id = f.stream_id
JOIN warehouse.dim_organization o ON o.organization_key = f.organization_key
JOIN warehouse.dim_project d_project ON d_project.project_key = f.project_key
JOIN warehouse.dim_line_item d_line_item ON d_line_item.line_item_key = f.line_item_key
JOIN warehouse.dim_api_key d_api_key ON d_api_key.api_key_key = f.api_key_key;
