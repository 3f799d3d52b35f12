-- Contract view of /organization/costs: one row per bucket and grouped dimension values, natural ids
-- under the API's column names, each bucket from the stream analytics.stream_coverage assigns it.
-- (First in 006_contract_views.sql; this text from 013_exact_coverage.sql.)

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

GRANT SELECT ON analytics.costs TO usage_etl_analyst;
