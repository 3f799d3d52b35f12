-- Vector store bytes are a gauge: each bucket states the storage in use, so never sum them over
-- time. The view keeps one value per project and bucket, flags each project's latest one, and
-- names the project.
-- (First in 007_analyst_views.sql with its comment; this text from 011_named_dimensions.sql.)

CREATE OR REPLACE VIEW analytics.vector_store_storage AS
SELECT v.*, p.name AS project_name, o.name AS organization_name
FROM (
    SELECT organization_id, bucket_start, bucket_end, bucket_width, project_id, usage_bytes,
           bucket_start = max(bucket_start) OVER (PARTITION BY organization_id, bucket_width, project_id) AS is_latest
    FROM analytics.vector_stores_usage
) v
LEFT JOIN warehouse.dim_project p ON p.natural_id = v.project_id
LEFT JOIN warehouse.dim_organization o ON o.natural_id = v.organization_id;
COMMENT ON VIEW analytics.vector_store_storage IS
  'Vector store bytes per project over time: a gauge (do not sum across buckets); is_latest marks the current value.';

GRANT SELECT ON analytics.vector_store_storage TO usage_etl_analyst;
