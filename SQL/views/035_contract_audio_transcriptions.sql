-- Contract view of /organization/usage/audio_transcriptions: one row per bucket and grouped dimension values, natural ids
-- under the API's column names, each bucket from the stream analytics.stream_coverage assigns it.
-- (First in 006_contract_views.sql; this text from 013_exact_coverage.sql.)

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

GRANT SELECT ON analytics.audio_transcriptions_usage TO usage_etl_analyst;
