-- Contract view of /organization/usage/code_interpreter_sessions: one row per bucket and grouped dimension values, natural ids
-- under the API's column names, each bucket from the stream analytics.stream_coverage assigns it.
-- (First in 006_contract_views.sql; this text from 013_exact_coverage.sql.)

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

GRANT SELECT ON analytics.code_interpreter_sessions_usage TO usage_etl_analyst;
