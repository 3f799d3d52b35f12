-- Contract view of /organization/usage/decisions (the API reference of 2026-11): one row per bucket
-- and grouped dimension values, natural ids under the API's column names, each bucket from the
-- stream analytics.stream_coverage assigns it. (From 014_decisions_and_new_fields.sql.)

CREATE OR REPLACE VIEW analytics.decisions_usage AS
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
    d_api_source.natural_id AS api_source,
    f.input_tokens,
    f.input_cached_tokens,
    f.input_cache_write_tokens,
    f.input_uncached_tokens,
    f.input_cache_write_30m_tokens,
    f.input_cache_write_12h_tokens,
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
FROM warehouse.fact_decisions f
JOIN analytics.stream_coverage c ON c.stream_id = f.stream_id AND c.buckets @> f.bucket_start
JOIN warehouse.dim_organization o ON o.organization_key = f.organization_key
JOIN warehouse.dim_project d_project ON d_project.project_key = f.project_key
JOIN warehouse.dim_user d_user ON d_user.user_key = f.user_key
JOIN warehouse.dim_api_key d_api_key ON d_api_key.api_key_key = f.api_key_key
JOIN warehouse.dim_model d_model ON d_model.model_key = f.model_key
JOIN warehouse.dim_batch d_batch ON d_batch.batch_key = f.batch_key
JOIN warehouse.dim_service_tier d_service_tier ON d_service_tier.service_tier_key = f.service_tier_key
JOIN warehouse.dim_api_source d_api_source ON d_api_source.api_source_key = f.api_source_key;

GRANT SELECT ON analytics.decisions_usage TO usage_etl_analyst;
